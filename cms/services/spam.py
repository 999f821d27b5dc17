"""The anti-spam pipeline: an ordered list of checks over a comment that
passed validation, flood and duplicate checks (cms.services.comments).

Each check may give a finding: a reason, and optionally a status. The first
finding with a status decides; every reason found is kept with the comment
so editors see why (all checks run, the order only decides the status).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select

from cms.extensions import db
from cms.models import Comment, CommentStatus, User
from cms.services.comment_words import (
    CommentWords,
    comment_matcher,
    match_comment,
    reject_message,
    word_reason,
)
from cms.services.reasons import Reason, reason, rule_reason
from cms.services.settings import current_settings
from cms.text.normalize import normalize_text
from cms.text.rules import RuleList, count_links, is_repetitive
from cms.text.wordfilter import Action, Matcher


@dataclass(frozen=True)
class Candidate:
    """A comment as submitted, before it is stored."""

    author_name: str
    author_email: str
    author_url: str
    body: str
    ip: str | None = None
    user: User | None = None
    served_at: datetime | None = None  # when the form was served (signed token)
    honeypot: str = ""

    @property
    def text(self) -> str:
        """Every reader-written field, normalised, for word rules."""
        return normalize_text(
            "\n".join((self.author_name, self.author_email, self.author_url, self.body))
        )


@dataclass(frozen=True)
class Finding:
    """What one check saw (cms.services.reasons); `status` is None when it
    only informs."""

    reason: Reason
    status: CommentStatus | None = None


@dataclass(frozen=True)
class Policy:
    """The settings the checks read, parsed once."""

    min_submit_seconds: int
    max_links: int
    require_approval: bool
    hold_first: bool
    disallowed: RuleList
    moderation_words: RuleList
    words: Matcher  # the word rules (cms.services.comment_words)
    _seen: dict[int, tuple[Candidate, CommentWords]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def from_settings(cls, settings: dict) -> Policy:
        """Build from the `comments.*` settings (rule lists parsed once per
        text) and the site's word rules (matcher built once per version)."""
        return cls(
            min_submit_seconds=settings["comments.min_submit_seconds"],
            max_links=settings["comments.max_links"],
            require_approval=settings["comments.require_approval"],
            hold_first=settings["comments.hold_first"],
            disallowed=_parse_rules(settings["comments.disallowed"]),
            moderation_words=_parse_rules(settings["comments.moderation_words"]),
            words=comment_matcher(
                settings["comments.disallowed"], settings["comments.moderation_words"]
            ),
        )

    def words_of(self, c: Candidate) -> CommentWords:
        """The word rules' matches in `c`, found once per candidate."""
        seen = self._seen.get(id(c))
        if seen is None or seen[0] is not c:
            found = match_comment(
                self.words, c.body, c.author_name, c.author_url, c.author_email
            )
            seen = self._seen[id(c)] = (c, found)
        return seen[1]


@lru_cache(maxsize=32)
def _parse_rules(text: str) -> RuleList:
    return RuleList.parse(text)


@dataclass(frozen=True)
class Assessment:
    """The pipeline's answer: the status to store and every reason seen; the
    body and name to store (word rules may strip or replace words); and,
    when a `reject` rule matched, the message the reader gets instead (the
    comment is then not stored)."""

    status: CommentStatus
    reasons: list[Reason]
    body: str | None = None
    author_name: str | None = None
    rejected: str | None = None


Check = Callable[[Candidate, Policy, datetime], Finding | None]

SPAM, PENDING, APPROVED = (
    CommentStatus.SPAM,
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
)


def check_staff(c: Candidate, p: Policy, now: datetime) -> Finding | None:
    """Editors and admins are never held."""
    if c.user is not None and c.user.is_staff:
        return Finding(reason("staff"), APPROVED)
    return None


def check_honeypot(c: Candidate, p: Policy, now: datetime) -> Finding | None:
    """A field people never see was filled in: a bot."""
    return Finding(reason("honeypot"), SPAM) if c.honeypot.strip() else None


def check_too_fast(c: Candidate, p: Policy, now: datetime) -> Finding | None:
    """Sent back sooner after the form was served than a person could type."""
    if p.min_submit_seconds <= 0 or c.served_at is None:
        return None
    if (now - c.served_at).total_seconds() < p.min_submit_seconds:
        return Finding(reason("too_fast"), SPAM)
    return None


def check_disallowed(c: Candidate, p: Policy, now: datetime) -> Finding | None:
    """`comments.disallowed` (e-mails, IPs and ranges) and word rules whose
    action is `spam` (the setting's words among them): spam."""
    rule = p.disallowed.match("", c.author_email, c.ip)
    if rule is not None:
        return Finding(rule_reason("disallowed", rule.kind, rule.rule), SPAM)
    change = p.words_of(c).first(Action.SPAM)
    return Finding(word_reason(change), SPAM) if change is not None else None


def check_links(c: Candidate, p: Policy, now: datetime) -> Finding | None:
    """`comments.max_links` or more links in the body: hold."""
    links = count_links(normalize_text(c.body))
    if p.max_links > 0 and links >= p.max_links:
        return Finding(reason("links", count=links), PENDING)
    return None


def check_repetitive(c: Candidate, p: Policy, now: datetime) -> Finding | None:
    """One syllable over and over (顶顶顶…): hold."""
    return Finding(reason("repeated_text"), PENDING) if is_repetitive(c.body) else None


def check_moderation_words(c: Candidate, p: Policy, now: datetime) -> Finding | None:
    """`comments.moderation_words` (e-mails, IPs) and word rules whose action
    is `hold` (contact patterns, the setting's words among them): hold."""
    rule = p.moderation_words.match("", c.author_email, c.ip)
    if rule is not None:
        return Finding(rule_reason("held", rule.kind, rule.rule), PENDING)
    change = p.words_of(c).first(Action.HOLD)
    return Finding(word_reason(change), PENDING) if change is not None else None


def check_word_edits(c: Candidate, p: Policy, now: datetime) -> Finding | None:
    """Word rules that replace, strip or flag words: kept as a reason (the
    first one), the status is not theirs to decide."""
    change = p.words_of(c).first(Action.REPLACE, Action.STRIP, Action.FLAG)
    return Finding(word_reason(change)) if change is not None else None


def check_require_approval(c: Candidate, p: Policy, now: datetime) -> Finding | None:
    """`comments.require_approval`: every comment waits."""
    return Finding(reason("approval_required"), PENDING) if p.require_approval else None


def check_first_comment(c: Candidate, p: Policy, now: datetime) -> Finding | None:
    """`comments.hold_first`: an address without an approved comment waits;
    one with an approved comment before is trusted."""
    address = c.author_email.strip().lower()
    known = bool(address) and db.session.scalar(
        select(Comment.id)
        .where(Comment.author_email == address, Comment.status == APPROVED)
        .limit(1)
    )
    if known:
        return Finding(reason("known_commenter"), APPROVED)
    if p.hold_first:
        return Finding(reason("first_comment"), PENDING)
    return None


CHECKS: list[Check] = [
    check_staff,
    check_honeypot,
    check_too_fast,
    check_disallowed,
    check_links,
    check_repetitive,
    check_moderation_words,
    check_word_edits,
    check_require_approval,
    check_first_comment,
]


def assess(
    candidate: Candidate, now: datetime, policy: Policy | None = None
) -> Assessment:
    """Run every check; the first finding with a status decides (approved when
    none does), and the reasons of all findings are returned. A word rule
    that rejects refuses the comment (staff excepted)."""
    policy = policy or Policy.from_settings(current_settings())
    status: CommentStatus | None = None
    reasons: list[Reason] = []
    for check in CHECKS:
        finding = check(candidate, policy, now)
        if finding is None:
            continue
        reasons.append(finding.reason)
        if status is None and finding.status is not None:
            status = finding.status
    words = policy.words_of(candidate)
    staff = candidate.user is not None and candidate.user.is_staff
    refused = None if staff else words.first(Action.REJECT)
    return Assessment(
        status or APPROVED,
        reasons,
        body=words.body if words.body != candidate.body else None,
        author_name=words.author_name
        if words.author_name != candidate.author_name
        else None,
        rejected=reject_message(refused) if refused is not None else None,
    )
