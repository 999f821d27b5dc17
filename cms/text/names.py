"""People's names: cleaned of invisible characters, and compared by how they
look (Unicode Technical Standard #39, "skeleton").

`clean_name` is what every stored name goes through (commenters, display
names of accounts): control characters, format characters (bidi overrides
and isolates, U+200E/F, U+061C), zero-width characters (U+200B-D, U+2060,
U+FEFF) and every other default-ignorable code point (Hangul fillers, variation
selectors …) removed, white space collapsed to single spaces.

`look_alike_keys` are UTS #39 skeletons of a name (NFKC first, case folded,
white space dropped): two names whose keys meet look the same to a reader
(`аdmin` with a Cyrillic а, `ａｄｍｉｎ`, `ADMIN`, `ad min` and `admin`).

The data is Unicode's `confusables.txt` beside this module (version and
date in its header; Unicode terms of use: https://www.unicode.org/terms_of_use.html).
A newer one from https://www.unicode.org/Public/security/latest/ can replace
it as it is. Why not a library: PyICU (ICU's SpoofChecker, the reference)
has no wheels and needs ICU's headers and a compiler; `confusable-homoglyphs`
keeps the pairs without their direction, so no skeleton can be made from it;
`confusables` (last release 2021) compares by its own expansion, not the
skeleton. The skeleton itself is four lines (UTS #39 section 4).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("confusables.txt")

# Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15).
_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE = re.compile(f"[{_IGNORABLE}]")
_MAPPING_LINE = re.compile(r"^([0-9A-F]{4,6})\s*;\s*([0-9A-F ]+?)\s*;")


def _visible(char: str) -> bool:
    # Cc (controls) and Cf (format: bidi, joiners …); tab and line ends are
    # white space and end up as one space.
    return char.isspace() or unicodedata.category(char) not in ("Cc", "Cf")


def clean_name(text: str | None) -> str:
    """`text` without control, format and default-ignorable characters, runs
    of white space (any kind) made one space, trimmed."""
    kept = "".join(c for c in _INVISIBLE.sub("", text or "") if _visible(c))
    return " ".join(kept.split())


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """confusables.txt: each source character and the prototype it maps to."""
    table = {}
    with DATA.open(encoding="utf-8-sig") as lines:
        for line in lines:
            found = _MAPPING_LINE.match(line)
            if found:
                source, target = found.groups()
                table[chr(int(source, 16))] = "".join(
                    chr(int(code, 16)) for code in target.split()
                )
    return table


def skeleton(text: str) -> str:
    """The UTS #39 skeleton: NFD, default-ignorable code points removed, each
    character replaced by its prototype, NFD again. Equal skeletons mean the
    two strings are confusable."""
    table = _prototypes()
    decomposed = _INVISIBLE.sub("", unicodedata.normalize("NFD", text))
    mapped = "".join(table.get(char, char) for char in decomposed)
    return unicodedata.normalize("NFD", mapped)


@lru_cache(maxsize=4096)
def look_alike_keys(name: str) -> frozenset[str]:
    """What a name looks like, for comparing names: two names look alike when
    their key sets meet. A key is the skeleton of the NFKC form (full-width
    letters made plain) without white space, case folded after it; and the
    same with case folded before it too (so `ADMIN` meets `admin`, while
    `guanIiyuan` with a capital I still meets `guanliyuan`)."""
    plain = "".join(unicodedata.normalize("NFKC", clean_name(name)).split())
    if not plain:
        return frozenset()
    return frozenset(skeleton(form).casefold() for form in (plain, plain.casefold()))


def look_alike(one: str, other: str) -> bool:
    """Whether a reader could take one name for the other."""
    return not look_alike_keys(one).isdisjoint(look_alike_keys(other))
