"""Line diffs of two texts, for comparing revisions (pure, no Flask)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

LineKind = Literal["same", "add", "del", "gap"]


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: kept ("same"), added, deleted, or a "gap" marking
    unchanged lines left out. Line numbers count from 1; None where the line
    does not exist on that side."""

    kind: LineKind
    old_no: int | None
    new_no: int | None
    text: str


def diff_lines(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """The lines that differ between `old` and `new`, each change with up to
    `context` unchanged lines around it; an empty list when they are equal.
    Line endings (\\r\\n, \\r) do not count as changes."""
    a = old.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    b = new.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if a == b:
        return []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    lines: list[DiffLine] = []
    for group in matcher.get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [
                    DiffLine("same", i + 1, j + 1, a[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            lines += [DiffLine("del", i + 1, None, a[i]) for i in range(i1, i2)]
            lines += [DiffLine("add", None, j + 1, b[j]) for j in range(j1, j2)]
    return lines
