"""The word engine's resolution: which of the matches found are kept, and
the edit each kept one makes.

Guarantees: no change overlaps an exception's span; of overlapping matches
the leftmost, then the longest, then the most severe wins, and no two
changes overlap; an occurrence named by an exemption is reported as exempted
and left as written. A strip widens its cut so that no double space, empty
brackets or doubled punctuation is left behind, unless the wider cut would
overlap an exception.
"""

from __future__ import annotations

from collections.abc import Sequence

from cms.text.normalize import is_cjk
from cms.text.wordfilter.changes import (
    Change,
    Exemption,
    Result,
    apply_changes,
    exemption_for,
)
from cms.text.wordfilter.rules import SEVERITY, Action, Rule

Found = tuple[int, int, Rule]  # a match: span of the original, rule


def resolve(
    text: str,
    found: list[Found],
    protected: list[tuple[int, int]],
    exemptions: Sequence[Exemption],
) -> Result:
    """The result of a run: of `found` (sorted here), the matches that do
    not overlap an exception's span in `protected` (sorted here) nor an
    earlier kept match, each made into its change or, when `exemptions`
    name it, reported as exempted."""
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

    def neighbours(left: int, right: int) -> tuple[str, str]:
        # the characters either side of the cut; none before the last change
        before = text[left - 1] if left > floor else ""
        return before, text[right] if right < len(text) else ""

    left, right = start, end
    before_char, after_char = neighbours(left, right)
    # empty brackets: （加微信） -> nothing
    if (
        before_char
        and after_char
        and _OPENERS.find(before_char) >= 0
        and (_OPENERS.index(before_char) == _CLOSERS.find(after_char))
    ):
        left, right = left - 1, right + 1
        before_char, after_char = neighbours(left, right)

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
