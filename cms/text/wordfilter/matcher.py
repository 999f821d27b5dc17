"""The word engine's matcher: rules and exceptions compiled once, then run
over a text in one pass.

`Matcher.build()` compiles word rules and exceptions into Aho-Corasick
automata (cms.text.automaton) over normalised text (cms.text.normalize): one
for the usual comparison, and one more, only when a rule needs it, for rules
whose punctuation matters. Contact rules become one bounded regular
expression (escaped literals, every repeat bounded: no ReDoS).

Guarantees: `build` raises RuleError for a rule that fails Rule.check(),
skips blank exceptions and treats rules of kind exception as exceptions; an
exception wins over a rule with the same words. `apply` finds, for each
occurrence, the first rule of those words that applies to the scope, maps
every match back to its exact span of the original text, and leaves the
choice between overlapping matches and the edits to
cms.text.wordfilter.resolve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cms.text.automaton import Automaton
from cms.text.normalize import Normalized, normalize
from cms.text.wordfilter.changes import Exemption, Result
from cms.text.wordfilter.resolve import Found, resolve
from cms.text.wordfilter.rules import Kind, Rule

# The characters an id may be written with after a contact word.
_ID = r"[a-z0-9][a-z0-9_\-]{4,19}(?![a-z0-9])"
_CONTACT_GAP = 6  # at most this many characters between the word and the id
# Words that may stand between a contact word and the id (微信号是 abc123).
_CONTACT_FILLER = "[号码是为加搜索私联系我找同步]"


@dataclass
class Matcher:
    """Rules and exceptions compiled once; apply() as often as needed."""

    rules: tuple[Rule, ...]
    exceptions: tuple[str, ...]
    _loose: Automaton[Entry] | None = None
    _strict: Automaton[Entry] | None = None
    _contact: re.Pattern[str] | None = None
    _contact_rules: dict[str, list[Rule]] = field(default_factory=dict)
    _contact_words: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, rules: Iterable[Rule], exceptions: Iterable[str] = ()) -> Matcher:
        """Compile. Rules that fail Rule.check() raise RuleError; blank
        exceptions are skipped; rules of kind exception are exceptions."""
        checked = [rule.check() for rule in rules]
        rules = tuple(r for r in checked if r.kind != Kind.EXCEPTION)
        words = [*exceptions, *(r.phrase for r in checked if r.kind == Kind.EXCEPTION)]
        exceptions = tuple(e for e in dict.fromkeys(x.strip() for x in words) if e)
        matcher = cls(rules, exceptions)
        # normalised words -> the rules that have them (None: an exception,
        # which wins over a rule with the same words)
        loose: dict[str, list[Rule] | None] = {}
        strict: dict[str, list[Rule] | None] = {}
        contact_words: dict[str, list[Rule]] = {}
        for word in exceptions:
            for keep, table in ((False, loose), (True, strict)):
                key = normalize(word, keep).text
                if key:
                    table[key] = None
        for rule in rules:
            if rule.kind == Kind.CONTACT:
                contact_words.setdefault(rule.key, []).append(rule)
                continue
            table = strict if rule.keep_punct else loose
            entry = table.setdefault(rule.key, [])
            if entry is not None:
                entry.append(rule)
        matcher._loose = _automaton(loose)
        if any(strict.values()):
            matcher._strict = _automaton(strict)
        if contact_words:
            merged: dict[str, list[Rule]] = {}
            for key, found_rules in contact_words.items():
                merged.setdefault(_contact_key(key), []).extend(found_rules)
            merged.pop("", None)
            # longest first, so that 加微信 is tried before 微信
            matcher._contact_words = sorted(merged, key=len, reverse=True)
            matcher._contact_rules = merged
            matcher._contact = _contact_pattern(matcher._contact_words)
        return matcher

    def apply(
        self,
        text: str,
        scope: str,
        exemptions: Sequence[Exemption] = (),
    ) -> Result:
        """Run every rule of `scope` over `text` in one pass. Matches inside
        (or overlapping) an exception are ignored; of overlapping matches the
        leftmost, then the longest wins; an occurrence named by one of
        `exemptions` is reported in `exempted` and left alone."""
        if not text:
            return Result(text, ())
        loose = normalize(text)
        protected: list[tuple[int, int]] = []
        found: list[Found] = []
        _scan(self._loose, loose, scope, protected, found)
        if self._strict is not None:
            _scan(self._strict, normalize(text, True), scope, protected, found)
        if self._contact is not None:
            self._scan_contacts(loose, scope, found)
        return resolve(text, found, protected, exemptions)

    def _scan_contacts(
        self, normalized: Normalized, scope: str, found: list[Found]
    ) -> None:
        assert self._contact is not None
        words = self._contact_words
        for match in self._contact.finditer(normalized.text):
            word = words[int((match.lastgroup or "w0")[1:])]
            rule = _first_in_scope(self._contact_rules.get(word, ()), scope)
            if rule is not None:
                start, end = normalized.span(match.start(), match.end())
                found.append((start, end, rule))


def _contact_key(word: str) -> str:
    """A contact word as matched: no spaces (`wei xin` is `weixin` spelled
    with a gap, which the pattern allows anyway)."""
    return "".join(word.split())


def _contact_pattern(words: list[str]) -> re.Pattern[str]:
    """One pattern: any contact word (up to two separators allowed between
    its characters), up to _CONTACT_GAP characters, then an id or a number.
    Word i is the named group `w<i>` (so a match names its word). The words
    are escaped literals and every repeat is bounded."""
    sep = r"[^0-9a-z\u3400-\u9fff]{0,2}"
    alternatives = []
    for index, word in enumerate(words):
        spelled = sep.join(re.escape(ch) for ch in word)
        if word[0].isascii() and word[0].isalnum():  # vx, qq: not inside a word
            spelled = rf"(?<![a-z0-9]){spelled}"
        alternatives.append(f"(?P<w{index}>{spelled})")
    gap = rf"(?:[^0-9a-z\u3400-\u9fff]|{_CONTACT_FILLER}){{0,{_CONTACT_GAP}}}"
    return re.compile(rf"(?:{'|'.join(alternatives)}){gap}(?:{_ID}|\d[\d\- ]{{3,}}\d)")


Entry = tuple[int, tuple[Rule, ...] | None]  # length, rules (None: an exception)


def _automaton(table: dict[str, list[Rule] | None]) -> Automaton[Entry]:
    return Automaton(
        (key, (len(key), tuple(rules) if rules is not None else None))
        for key, rules in table.items()
    )


def _scan(
    automaton: Automaton[Entry] | None,
    normalized: Normalized,
    scope: str,
    protected: list[tuple[int, int]],
    found: list[Found],
) -> None:
    if automaton is None or not len(automaton):
        return
    origin = normalized.origin
    for end, (length, rules) in automaton.iter(normalized.text):
        start = origin[end - length + 1]
        stop = origin[end] + 1
        if rules is None:
            protected.append((start, stop))
            continue
        rule = _first_in_scope(rules, scope)
        if rule is not None:
            found.append((start, stop, rule))


def _first_in_scope(rules: Iterable[Rule], scope: str) -> Rule | None:
    """Of the rules with the words just matched, the one that acts: the
    first that applies to `scope` (None when none does)."""
    for rule in rules:
        if scope in rule.scopes:
            return rule
    return None
