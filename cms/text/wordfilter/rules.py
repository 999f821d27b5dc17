"""The rules of the word engine: what a rule is, what it may do, where it
applies, and the check every rule passes before it is compiled.

Guarantees: a Rule's `action`, `kind` and `scopes` are always the enum
values and a frozenset, whatever the caller passed; `Rule.check()` either
returns the rule unchanged or raises RuleError with a message an editor can
read (empty, too long, no scope, a replace without text, a contact rule that
would edit text). SEVERITY orders the actions (flag lowest, reject highest).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cms.text.normalize import normalize


class Action(StrEnum):
    """What a rule does where it matches."""

    REPLACE = "replace"  # the words become `replacement`
    STRIP = "strip"  # the words are cut out, cleanly
    FLAG = "flag"  # kept, highlighted to editors
    HOLD = "hold"  # a comment goes to the queue
    SPAM = "spam"  # a comment is stored as spam (what comments.disallowed did)
    REJECT = "reject"  # a comment is refused


class Kind(StrEnum):
    """A word rule matches its phrase; a contact rule its contact word
    followed by an id or a number; an exception protects the words inside
    it (its action is not used)."""

    WORD = "word"
    CONTACT = "contact"
    EXCEPTION = "exception"


SCOPES = ("articles", "comments", "names")
ACTION_LABELS = {
    Action.REPLACE: "替换",
    Action.STRIP: "删除",
    Action.FLAG: "标记",
    Action.HOLD: "待审",
    Action.SPAM: "垃圾",
    Action.REJECT: "拒绝",
}
SCOPE_LABELS = {"articles": "文章", "comments": "评论", "names": "署名"}
KIND_LABELS = {Kind.WORD: "词语", Kind.CONTACT: "联系方式", Kind.EXCEPTION: "例外"}
# Which action weighs most when a comment matches several rules.
SEVERITY = {
    Action.FLAG: 0,
    Action.REPLACE: 1,
    Action.STRIP: 2,
    Action.HOLD: 3,
    Action.SPAM: 4,
    Action.REJECT: 5,
}
_MAX_PHRASE = 200


class RuleError(ValueError):
    """A rule that cannot be used (empty, too long, a replace without text)."""


@dataclass(frozen=True)
class Rule:
    """One rule. `phrase` is literal; `keep_punct` says that punctuation
    inside it matters (the text is then compared without dropping
    punctuation between CJK characters). `id` is the caller's key (the
    database row), carried into changes."""

    phrase: str
    action: Action
    replacement: str = ""
    scopes: frozenset[str] = frozenset(SCOPES)
    kind: Kind = Kind.WORD
    keep_punct: bool = False
    group: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", Action(self.action))
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "scopes", frozenset(self.scopes))

    @property
    def key(self) -> str:
        """The phrase as compared (normalised)."""
        return normalize(self.phrase, self.keep_punct).text

    def check(self) -> Rule:
        """The rule itself, or RuleError saying what is wrong with it."""
        if not self.phrase.strip() or not self.key.strip():
            raise RuleError("词语不能为空")
        if len(self.phrase) > _MAX_PHRASE:
            raise RuleError(f"词语不能超过 {_MAX_PHRASE} 个字")
        if not self.scopes or not self.scopes <= set(SCOPES):
            raise RuleError("请选择至少一个适用范围")
        if self.kind == Kind.EXCEPTION:
            return self
        if self.action == Action.REPLACE and not self.replacement.strip():
            raise RuleError("替换规则需要填写替换为的文字")
        if self.kind == Kind.CONTACT and self.action in (
            Action.REPLACE,
            Action.STRIP,
        ):
            raise RuleError("联系方式规则只能标记、待审、判为垃圾或拒绝")
        return self
