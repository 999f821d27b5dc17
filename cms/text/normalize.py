"""The one normaliser that spam rules and the word filter share.

Text is compared after: NFKC (full-width letters and digits become ASCII,
compatibility forms fold), case folding, removal of zero-width and other
invisible format characters, removal of white space next to a CJK character
(so `加 微 信` matches `加微信`), and removal of punctuation, symbols and
spaces between two CJK letters (so `加.微.信`, `加-微-信`, `加·微·信`,
`加_微_信` and `加♥微♥信` match `加微信` too). `normalize(text, keep_punct=True)`
skips that last step, for word lists whose words hold such characters.

Every character of the result keeps the index of the original character it
came from, so a match can be mapped back to the span of the original text.
Runs of plain characters (Han ideographs, lower-case ASCII letters and digits)
are copied in one piece, so the per-character work is only for the rest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Zero-width and invisible characters that spammers put inside words.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e"
    "\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066"
    "\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)
# Characters that fold to themselves and are never separators: copied in runs.
_PLAIN_RUN = re.compile(r"[a-z0-9\u3400-\u4dbf\u4e00-\u9fff]+")

_SPACE, _SEPARATOR, _CJK_LETTER, _OTHER = 0, 1, 2, 3


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


def is_cjk_letter(char: str) -> bool:
    """A CJK character that is a letter or a number (not punctuation)."""
    return is_cjk(char) and unicodedata.category(char)[0] in "LN"


@dataclass(frozen=True)
class Normalized:
    """Normalised text, and for each of its characters the index of the
    original character it came from."""

    text: str
    origin: tuple[int, ...] | list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalised [start, end) covers."""
        if start >= end:
            raise ValueError("empty span")
        return self.origin[start], self.origin[end - 1] + 1


@lru_cache(maxsize=8192)
def _fold(char: str) -> tuple[str, int]:
    """The folded form of one character and its class."""
    if char in _INVISIBLE or unicodedata.category(char) == "Cf":
        return "", _OTHER
    folded = unicodedata.normalize("NFKC", char).casefold()
    if not folded:
        return "", _OTHER
    if folded.isspace():
        return folded, _SPACE
    if all(unicodedata.category(piece)[0] in "PSZ" for piece in folded):
        return folded, _SEPARATOR
    if is_cjk_letter(folded[-1]):
        return folded, _CJK_LETTER
    return folded, _OTHER


def normalize(text: str, keep_punct: bool = False) -> Normalized:
    """Normalise `text` as the module docstring says, keeping the origin map."""
    out: list[str] = []
    origin: list[int] = []
    # A run of spaces and separators not yet written: (index, folded, class).
    pending: list[tuple[int, str, int]] = []
    last = ""  # the last character written
    last_cjk = False  # ... is a CJK letter

    def write(folded: str, index: int) -> None:
        nonlocal last
        for piece in folded:
            out.append(piece)
            origin.append(index)
        last = folded[-1]

    def flush(next_char: str) -> None:
        """Write the pending run: separators as they are, each run of spaces
        as one space when neither neighbour is CJK (none at either end)."""
        count = len(pending)
        i = 0
        while i < count:
            index, folded, kind = pending[i]
            if kind != _SPACE:
                write(folded, index)
                i += 1
                continue
            j = i
            while j < count and pending[j][2] == _SPACE:
                j += 1
            following = pending[j][1][0] if j < count else next_char
            if last and following and not is_cjk(last) and not is_cjk(following):
                write(" ", index)
            i = j
        pending.clear()

    def before(first: str, kind: int) -> None:
        """Settle the pending run before a character of class `kind`: dropped
        between two CJK letters, written otherwise."""
        if not pending:
            return
        if last_cjk and kind == _CJK_LETTER:
            pending.clear()
        else:
            flush(first)

    position = 0
    length = len(text)
    while position < length:
        plain = _PLAIN_RUN.match(text, position)
        if plain is not None:
            run_end = plain.end()
            first = text[position]
            if pending:  # a plain character is a CJK letter or ASCII
                before(first, _CJK_LETTER if first >= "\u3400" else _OTHER)
            out.append(plain.group())
            origin.extend(range(position, run_end))
            last = text[run_end - 1]
            last_cjk = last >= "\u3400"
            position = run_end
            continue
        folded, kind = _fold(text[position])
        if kind == _SEPARATOR and keep_punct:
            kind = _OTHER
        if folded:
            if kind == _SPACE or (kind == _SEPARATOR and (pending or last_cjk)):
                pending.append((position, folded, kind))
            else:
                before(folded[0], kind)
                write(folded, position)
                last_cjk = kind == _CJK_LETTER
        position += 1
    flush("")
    return Normalized("".join(out), origin)


def normalize_text(text: str, keep_punct: bool = False) -> str:
    """Only the normalised string (for rules, and for comparing)."""
    return normalize(text, keep_punct).text
