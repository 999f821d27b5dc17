"""The word engine: every word rule of the CMS, matched in one pass.

A rule is a literal word or phrase (never a regular expression: no ReDoS),
an action and the places it applies to (articles, comments, author names).
Exceptions are phrases that protect the words inside them (第一遍 protects
第一): no change ever overlaps an exception. Contact rules are the other
kind: a contact word (微信, QQ, 扣扣 …, matched with separators between its
characters too) followed within a few characters by an id or a number.

`Matcher.build()` compiles rules and exceptions into one Aho-Corasick
automaton (pyahocorasick) over normalised text (cms.text.normalize), and
`Matcher.apply()` runs it: matches are resolved leftmost, longest first,
mapped back to their exact span of the original text, and the original is
edited there. The answer is the new text and the list of changes (rule,
span, before, after); applying the changes to the original gives the new
text (`apply_changes`). Everything here is pure: no database, no Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import ahocorasick  # type: ignore[import-not-found]

from cms.text.normalize import Normalized, is_cjk, normalize


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
# The characters an id may be written with after a contact word.
_ID = r"[a-z0-9][a-z0-9_\-]{4,19}(?![a-z0-9])"
_CONTACT_GAP = 6  # at most this many characters between the word and the id
# Words that may stand between a contact word and the id (微信号是 abc123).
_CONTACT_FILLER = "[号码是为加搜索私联系我找同步]"
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


@dataclass(frozen=True)
class Change:
    """One match: `rule`, the span [start, end) of the original text, what
    was there and what is there now (the same for flag, hold and reject)."""

    rule: Rule
    start: int
    end: int
    before: str
    after: str

    @property
    def edits(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class Exemption:
    """One occurrence an editor kept as written: the matched words and a few
    characters either side of them in the original. It survives edits
    anywhere else in the text."""

    phrase: str
    left: str
    right: str

    def to_dict(self) -> dict[str, str]:
        return {"phrase": self.phrase, "left": self.left, "right": self.right}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Exemption:
        return cls(str(data.get("phrase", "")), str(data.get("left", "")),
                   str(data.get("right", "")))  # fmt: skip


EXEMPTION_CONTEXT = 8


def exemption_for(text: str, start: int, end: int) -> Exemption:
    """The exemption that names the occurrence text[start:end]."""
    return Exemption(
        text[start:end],
        text[max(0, start - EXEMPTION_CONTEXT) : start],
        text[end : end + EXEMPTION_CONTEXT],
    )


@dataclass(frozen=True)
class Result:
    """The new text and every change, in order of position."""

    text: str
    changes: tuple[Change, ...]
    exempted: tuple[Change, ...] = ()

    @property
    def strongest(self) -> Change | None:
        """The change whose action weighs most (reject over hold over …)."""
        if not self.changes:
            return None
        return max(self.changes, key=lambda c: SEVERITY[c.rule.action])


@dataclass
class Matcher:
    """Rules and exceptions compiled once; apply() as often as needed."""

    rules: tuple[Rule, ...]
    exceptions: tuple[str, ...]
    _loose: ahocorasick.Automaton | None = None
    _strict: ahocorasick.Automaton | None = None
    _contact: re.Pattern[str] | None = None
    _contact_rules: dict[str, list[Rule]] = field(default_factory=dict)

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
            matcher._contact_rules = contact_words
            matcher._contact = _contact_pattern(contact_words)
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
        return _resolve(text, found, protected, exemptions)

    def _scan_contacts(
        self, normalized: Normalized, scope: str, found: list[Found]
    ) -> None:
        assert self._contact is not None
        for match in self._contact.finditer(normalized.text):
            word = match.group(1)
            key = re.sub(r"[^0-9a-z\u3400-\u9fff]", "", word)
            for rule in self._contact_rules.get(_contact_key(key), ()):
                if scope in rule.scopes:
                    start, end = normalized.span(match.start(), match.end())
                    found.append((start, end, rule))


def _contact_key(word: str) -> str:
    return re.sub(r"[^0-9a-z\u3400-\u9fff]", "", word)


def _contact_pattern(words: dict[str, list[Rule]]) -> re.Pattern[str]:
    """One pattern: any contact word (separators allowed between its
    characters), up to _CONTACT_GAP characters, then an id or a number. The
    words are escaped literals and every repeat is bounded."""
    for key in list(words):
        bare = _contact_key(key)
        if bare != key:
            words.setdefault(bare, []).extend(words.pop(key))
    sep = r"[^0-9a-z\u3400-\u9fff]{0,2}"
    alternatives = []
    for word in sorted((k for k in words if k), key=len, reverse=True):
        spelled = sep.join(re.escape(ch) for ch in word)
        if word[0].isascii():  # vx, qq: not the end of a longer Latin word
            spelled = rf"(?<![a-z0-9]){spelled}"
        alternatives.append(spelled)
    gap = rf"(?:[^0-9a-z\u3400-\u9fff]|{_CONTACT_FILLER}){{0,{_CONTACT_GAP}}}"
    return re.compile(rf"({'|'.join(alternatives)}){gap}({_ID}|\d[\d\- ]{{3,}}\d)")


Found = tuple[int, int, Rule]  # a match: span of the original, rule


def _automaton(table: dict[str, list[Rule] | None]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, rules in table.items():
        automaton.add_word(key, (len(key), tuple(rules) if rules is not None else None))
    if len(automaton):
        automaton.make_automaton()
    return automaton


def _scan(
    automaton: ahocorasick.Automaton,
    normalized: Normalized,
    scope: str,
    protected: list[tuple[int, int]],
    found: list[Found],
) -> None:
    if not len(automaton) or automaton.kind != ahocorasick.AHOCORASICK:
        return
    origin = normalized.origin
    for end, (length, rules) in automaton.iter(normalized.text):
        start = origin[end - length + 1]
        stop = origin[end] + 1
        if rules is None:
            protected.append((start, stop))
            continue
        for rule in rules:
            if scope in rule.scopes:
                found.append((start, stop, rule))
                break


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _resolve(
    text: str,
    found: list[Found],
    protected: list[tuple[int, int]],
    exemptions: Sequence[Exemption],
) -> Result:
    if not found:
        return Result(text, ())
    protected.sort()
    found.sort(key=lambda f: (f[0], -(f[1] - f[0]), SEVERITY[f[2].action] * -1))
    exempt = {(e.phrase, e.left, e.right) for e in exemptions}
    changes: list[Change] = []
    exempted: list[Change] = []
    taken_end = 0
    for start, end, rule in found:
        if start < taken_end or _near_overlap(start, end, protected):
            continue
        before = text[start:end]
        occurrence = exemption_for(text, start, end)
        if (occurrence.phrase, occurrence.left, occurrence.right) in exempt:
            exempted.append(Change(rule, start, end, before, before))
            taken_end = end
            continue
        if rule.action == Action.REPLACE:
            change = Change(rule, start, end, before, rule.replacement)
        elif rule.action == Action.STRIP:
            change = _strip(text, start, end, rule, changes, protected)
        else:
            change = Change(rule, start, end, before, before)
        changes.append(change)
        taken_end = change.end
    return Result(apply_changes(text, changes), tuple(changes), tuple(exempted))


def _near_overlap(start: int, end: int, protected: list[tuple[int, int]]) -> bool:
    # protected is sorted by start; few exceptions match, so a scan is fine
    for s, e in protected:
        if s >= end:
            return False
        if start < e:
            return True
    return False


_OPENERS = "([{（【［｛《〈「『“‘"
_CLOSERS = ")]}）】］｝》〉」』”’"
_PAUSES = ",，、;；:："
_STOPS = ".。!！?？"


def _strip(
    text: str,
    start: int,
    end: int,
    rule: Rule,
    changes: list[Change],
    protected: list[tuple[int, int]],
) -> Change:
    """Cut text[start:end] out, widening the cut so that no double space,
    empty brackets or doubled punctuation is left behind."""
    floor = changes[-1].end if changes else 0
    left, right = start, end
    before_char = text[left - 1] if left > floor else ""
    after_char = text[right] if right < len(text) else ""
    # empty brackets: （加微信） -> nothing
    if (
        before_char
        and after_char
        and _OPENERS.find(before_char) >= 0
        and (_OPENERS.index(before_char) == _CLOSERS.find(after_char))
    ):
        left, right = left - 1, right + 1
        before_char = text[left - 1] if left > floor else ""
        after_char = text[right] if right < len(text) else ""

    def among(char: str, chars: str) -> bool:
        return bool(char) and char in chars

    if among(after_char, _PAUSES) and (
        not before_char or among(before_char, _PAUSES + _STOPS + _OPENERS + "\n")
    ):
        right += 1  # ，刷单，  or  at the start of a line
    elif among(after_char, _STOPS) and among(before_char, _PAUSES):
        left -= 1  # 用户，刷单。 -> 用户。
    elif before_char == " " and (after_char == " " or not after_char):
        left -= 1  # a b c -> a c
    elif after_char == " " and (not before_char or before_char == "\n"):
        right += 1
    elif (
        before_char == " "
        and after_char
        and (among(after_char, _PAUSES + _STOPS + _CLOSERS) or is_cjk(after_char))
        and (left - 2 < floor or is_cjk(text[left - 2]))
    ):
        left -= 1  # 用户 征信 不灵 -> 用户 不灵 -> no gap before CJK
    if _near_overlap(left, right, protected):
        left, right = start, end
    return Change(rule, left, right, text[left:right], "")


def apply_changes(text: str, changes: Iterable[Change]) -> str:
    """The text with every change made (changes in order, not overlapping)."""
    pieces: list[str] = []
    position = 0
    for change in sorted(changes, key=lambda c: c.start):
        if change.start < position:
            raise ValueError("overlapping changes")
        pieces.append(text[position : change.start])
        pieces.append(change.after)
        position = change.end
    pieces.append(text[position:])
    return "".join(pieces)


# TSV: phrase, action, replacement, scopes (comma-separated), kind, group.
TSV_HEADER = "word\taction\treplacement\tscopes\tkind\tgroup"


_COLUMNS = ("word", "action", "replacement", "scopes", "kind", "group")
_COLUMN_ALIASES = {"词语": "word", "动作": "action", "替换为": "replacement",
                   "范围": "scopes", "类型": "kind", "分组": "group"}  # fmt: skip


def parse_tsv(text: str, default_scopes: Iterable[str] = SCOPES) -> list[Rule]:
    """Rules from TSV. A first line naming the columns (word, action,
    replacement, scopes, kind, group, in any order, or their Chinese names)
    says which column is which; without it they come in that order. `#`
    lines are comments; columns may be left out. RuleError names the bad
    line."""
    rules: list[Rule] = []
    columns = list(_COLUMNS)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if number == 1 and cells[0].lower() in ("word", "词语"):
            columns = [_COLUMN_ALIASES.get(c, c.lower()) for c in cells]
            continue
        row = dict(zip(columns, cells, strict=False))
        scopes = row.get("scopes", "")
        try:
            scope_set = (
                frozenset(s.strip() for s in scopes.split(",") if s.strip())
                if scopes
                else frozenset(default_scopes)
            )
            rule = Rule(
                row.get("word", ""),
                Action(row.get("action") or "flag"),
                row.get("replacement", ""),
                scope_set,
                Kind(row.get("kind") or "word"),
                group=row.get("group", ""),
            ).check()
        except (ValueError, RuleError) as error:
            raise RuleError(f"第 {number} 行：{_message(error)}") from error
        rules.append(rule)
    return rules


def _message(error: Exception) -> str:
    return str(error) if isinstance(error, RuleError) else "动作或类型无效"


def to_tsv(rules: Iterable[Rule]) -> str:
    """Rules as TSV, with the header line; parse_tsv reads it back."""
    lines = [TSV_HEADER]
    for rule in rules:
        scopes = ",".join(s for s in SCOPES if s in rule.scopes)
        lines.append(
            "\t".join(
                (
                    rule.phrase,
                    rule.action.value,
                    rule.replacement,
                    scopes,
                    rule.kind.value,
                    rule.group,
                )  # fmt: skip
            )
        )
    return "\n".join(lines) + "\n"
