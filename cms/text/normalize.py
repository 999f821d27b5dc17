"""The one normaliser that spam rules and the word filter share.

Text is compared after: NFKC (full-width letters and digits become ASCII,
compatibility forms fold), case folding, removal of zero-width and other
invisible format characters, and removal of white space next to a CJK
character (so `加 微 信` matches `加微信`). Every character of the result keeps
the index of the original character it came from, so a match can be mapped
back to the span of the original text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Zero-width and invisible characters that spammers put inside words.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e"
    "\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066"
    "\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)


def is_cjk(char: str) -> bool:
    """Han ideographs, kana, hangul, and CJK punctuation and symbols."""
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF  # radicals, CJK punctuation, kana, Han
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0xFF00 <= code <= 0xFFEF  # full-width forms left after NFKC
        or 0x20000 <= code <= 0x3FFFF  # Han extensions
    )


@dataclass(frozen=True)
class Normalized:
    """Normalised text, and for each of its characters the index of the
    original character it came from."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalised [start, end) covers."""
        if start >= end:
            raise ValueError("empty span")
        return self.origin[start], self.origin[end - 1] + 1


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    if char in _INVISIBLE or unicodedata.category(char) == "Cf":
        return ""
    return unicodedata.normalize("NFKC", char).casefold()


def normalize(text: str) -> Normalized:
    """Normalise `text` as the module docstring says, keeping the origin map."""
    out: list[str] = []
    origin: list[int] = []
    pending_space: list[int] = []  # indexes of a white-space run not yet kept
    for index, char in enumerate(text):
        folded = _fold(char)
        if not folded:
            continue
        if folded.isspace():
            pending_space.append(index)
            continue
        if pending_space:
            previous = out[-1] if out else ""
            if previous and not is_cjk(previous) and not is_cjk(folded[0]):
                out.append(" ")
                origin.append(pending_space[0])
            pending_space.clear()
        for piece in folded:
            out.append(piece)
            origin.append(index)
    return Normalized("".join(out), tuple(origin))


def normalize_text(text: str) -> str:
    """Only the normalised string (for rules, and for comparing)."""
    return normalize(text).text
