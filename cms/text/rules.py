"""Rule lists (one rule a line) matched against normalised text, e-mails and IPs."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from cms.text.normalize import normalize_text

_URL = re.compile(r"(?:https?://|www\.)\S", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$|^@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class RuleMatch:
    """The rule that matched: its `kind` (word, email, ip, ip_range) and the
    rule itself as written in the list (normalised word, lower-case address
    or `@domain`, address, network)."""

    kind: str
    rule: str


@dataclass(frozen=True)
class RuleList:
    """Parsed rules. Words match normalised text by substring; e-mails match
    whole addresses (or `@domain` their domain); IPs match exactly and CIDR
    ranges by containment, never by substring. Blank lines are ignored."""

    words: tuple[str, ...] = ()
    emails: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    ips: frozenset[ipaddress.IPv4Address | ipaddress.IPv6Address] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        default=()
    )

    @classmethod
    def parse(cls, text: str) -> RuleList:
        """Parse one rule a line; `#` starts a comment line."""
        words: list[str] = []
        emails: set[str] = set()
        domains: set[str] = set()
        ips: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for raw in text.splitlines():
            rule = raw.strip()
            if not rule or rule.startswith("#"):
                continue
            if "/" in rule:
                try:
                    networks.append(ipaddress.ip_network(rule, strict=False))
                    continue
                except ValueError:
                    pass
            try:
                ips.add(ipaddress.ip_address(rule))
                continue
            except ValueError:
                pass
            if _EMAIL.match(rule):
                lowered = rule.lower()
                (domains if lowered.startswith("@") else emails).add(lowered)
                continue
            word = normalize_text(rule)
            if word:
                words.append(word)
        return cls(tuple(dict.fromkeys(words)), frozenset(emails), frozenset(domains),
                   frozenset(ips), tuple(networks))  # fmt: skip

    def match(
        self, text: str, email: str = "", ip: str | None = None
    ) -> RuleMatch | None:
        """The first rule that matches, or None. `text` must already be
        normalised (cms.text.normalize)."""
        address = email.strip().lower()
        if address and address in self.emails:
            return RuleMatch("email", address)
        if address and "@" in address and address[address.index("@") :] in self.domains:
            return RuleMatch("email", address[address.index("@") :])
        if ip:
            try:
                parsed = ipaddress.ip_address(ip)
            except ValueError:
                parsed = None
            if parsed is not None:
                if parsed in self.ips:
                    return RuleMatch("ip", str(parsed))
                for network in self.networks:
                    if parsed.version == network.version and parsed in network:
                        return RuleMatch("ip_range", str(network))
        for word in self.words:
            if word in text:
                return RuleMatch("word", word)
        return None


def count_links(text: str) -> int:
    """How many URLs (http://, https://, www.) a normalised text holds."""
    return len(_URL.findall(text))


_REPEAT = re.compile(r"(.{1,4}?)\1{3,}")
_NOISE = re.compile(r"[\s\W_]+")


def is_repetitive(text: str, min_length: int = 8, share: float = 0.6) -> bool:
    """True when one short unit repeated over and over makes up most of the
    text (顶顶顶顶…, 沙发沙发…, 111111…): no content, only noise."""
    letters = _NOISE.sub("", text)
    if len(letters) < min_length:
        return False
    covered = sum(len(m.group(0)) for m in _REPEAT.finditer(letters))
    return covered >= share * len(letters)
