"""The word rules' part of the comment pipeline (cms.services.spam): one run
of the site's matcher (cms.services.wordrules) over what a reader wrote.

The body is matched in the `comments` scope, the name in the `names` scope,
and the site and e-mail address in the `comments` scope (only to detect:
they are never edited). `replace` and `strip` edit the body and the name
that are stored; `flag` is only reported; `hold`, `spam` and `reject` decide
the status (cms.services.spam orders them). Words still typed into the
settings `comments.disallowed` (spam) and `comments.moderation_words` (hold)
join the same matcher, with the reasons they always had.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cms.services.reasons import Reason, reason
from cms.services.wordrules import current_matcher
from cms.text.comment_text import Mark, comment_lines
from cms.text.rules import RuleList
from cms.text.wordfilter import Action, Change, Kind, Matcher, Rule

LEGACY_GROUPS = {
    "comments.disallowed": ("disallowed", Action.SPAM),
    "comments.moderation_words": ("held", Action.HOLD),
}
COMMENT_SCOPES = frozenset({"comments", "names"})


@lru_cache(maxsize=32)
def _legacy_rules(disallowed: str, moderation_words: str) -> tuple[Rule, ...]:
    """The word lines of the two settings as engine rules."""
    rules: list[Rule] = []
    for key, text in (
        ("comments.disallowed", disallowed),
        ("comments.moderation_words", moderation_words),
    ):
        action = LEGACY_GROUPS[key][1]
        rules += [
            Rule(word, action, scopes=COMMENT_SCOPES, group=key)
            for word in RuleList.parse(text).words
        ]
    return tuple(rules)


def comment_matcher(disallowed: str = "", moderation_words: str = "") -> Matcher:
    """The site's matcher with the settings' words added."""
    return current_matcher(_legacy_rules(disallowed, moderation_words))


@dataclass(frozen=True)
class CommentWords:
    """What the rules did to one comment: every match (in the body, name,
    site and address, in that order) and the body and name to store."""

    changes: tuple[Change, ...]
    body: str
    author_name: str

    def first(self, *actions: Action) -> Change | None:
        """The first match whose rule has one of `actions`."""
        return next((c for c in self.changes if c.rule.action in actions), None)


def match_comment(
    matcher: Matcher, body: str, author_name: str, author_url: str, author_email: str
) -> CommentWords:
    """Run the matcher over a comment's fields (see the module docstring)."""
    in_body = matcher.apply(body, "comments")
    in_name = matcher.apply(author_name, "names")
    elsewhere = matcher.apply("\n".join((author_url, author_email)), "comments")
    detected = tuple(
        c
        for c in elsewhere.changes
        if c.rule.action not in (Action.REPLACE, Action.STRIP)
    )
    return CommentWords(
        in_body.changes + in_name.changes + detected, in_body.text, in_name.text
    )


def word_reason(change: Change) -> Reason:
    """The reason stored for a match: the settings' words keep their old
    codes (disallowed_word, held_word); rules say their kind and action
    (word_hold, contact_spam, word_strip …) and their words."""
    rule = change.rule
    legacy = LEGACY_GROUPS.get(rule.group)
    if legacy is not None and rule.id is None:
        return reason(f"{legacy[0]}_word", rule=rule.key)
    kind = "contact" if rule.kind == Kind.CONTACT else "word"
    params: dict[str, object] = {"rule": rule.phrase}
    if rule.id is not None:
        params["rule_id"] = rule.id
    if rule.action == Action.REPLACE:
        params["replacement"] = rule.replacement
    return reason(f"{kind}_{rule.action.value}", **params)


def reject_message(change: Change) -> str:
    """What a reader is told when a rule refuses the comment."""
    shown = change.before.strip() or change.rule.phrase
    return f"评论中含有本站不允许的内容（“{shown}”），请修改后再提交。"


def flagged_marks(body: str, matcher: Matcher | None = None) -> list[Mark]:
    """Where `flag` rules (comments scope) match a stored comment body, for
    editors: spans of comment_lines(body), each the original's characters
    (also when the words were found through a punctuation-split form),
    titled 规则：<the rule's words>. Readers are never shown them."""
    result = (matcher or current_matcher()).apply(comment_lines(body), "comments")
    return [
        (c.start, c.end, f"规则：{c.rule.phrase}")
        for c in result.changes
        if c.rule.action == Action.FLAG
    ]
