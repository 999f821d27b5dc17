"""What the word engine answers: the changes it made, the occurrences an
editor kept as written (exemptions), and the result of one run.

Guarantees: a Change names its rule and the exact span [start, end) of the
original text with what was there and what is there now; `apply_changes`
makes non-overlapping changes in order of position (ValueError on an
overlap), so applying a Result's changes to the original gives its text.
An Exemption names one occurrence by its words and up to EXEMPTION_CONTEXT
characters either side, so it survives edits anywhere else in the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cms.text.wordfilter.rules import SEVERITY, Rule


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
