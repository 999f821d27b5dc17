"""What the article header and its table of contents read from the rendered
body: a word count made for Chinese (each Han character is a word, as are
runs of Latin letters or digits; spaces count for nothing), the reading time,
and the h2-h3 headings."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cms.text.excerpt import html_to_text

HAN_PER_MINUTE = 400  # Chinese readers' usual pace for web articles
WORDS_PER_MINUTE = 200  # for the Latin words among them
TOC_MIN_HEADINGS = 3

_CJK = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]"
)
_LATIN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’.-][A-Za-z0-9\u00c0-\u024f]+)*")
_FOOTNOTE_REF = re.compile(r'<sup class="footnote-ref">.*?</sup>', re.S)
_ANCHOR = re.compile(r'\s*<a class="header-anchor"[^>]*>.*?</a>', re.S)
_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.S)


@dataclass(frozen=True)
class Reading:
    """How long the text is (字) and how many minutes it takes to read."""

    words: int
    minutes: int


def count_words(text: str) -> tuple[int, int]:
    """(Han and kana/hangul characters, Latin words) in plain text."""
    return len(_CJK.findall(text)), len(_LATIN.findall(text))


@lru_cache(maxsize=128)  # a save asks twice (changed? then store); previews often
def reading_of(html: str) -> Reading:
    """The word count and reading time (at least a minute for any text) of
    a rendered body; footnote marks and heading permalinks are not text."""
    text = html_to_text(_ANCHOR.sub("", _FOOTNOTE_REF.sub("", html)))
    han, latin = count_words(text)
    if not han + latin:
        return Reading(0, 0)
    minutes = math.ceil(han / HAN_PER_MINUTE + latin / WORDS_PER_MINUTE)
    return Reading(han + latin, max(1, minutes))


@dataclass(frozen=True)
class TocEntry:
    level: int  # 2 or 3
    id: str  # the heading's id, as rendered (escaped for an attribute)
    text: str


def toc_entries(stored: list[list[Any]]) -> tuple[TocEntry, ...]:
    """The stored form of a table of contents ([[level, id, text], ...], as
    an article keeps it) as entries."""
    return tuple(TocEntry(level, ident, text) for level, ident, text in stored)


@lru_cache(maxsize=128)
def table_of_contents(html: str) -> tuple[TocEntry, ...]:
    """The h2 and h3 headings of a rendered body, in order (the page shows
    them when there are TOC_MIN_HEADINGS or more)."""
    return tuple(
        TocEntry(int(level), ident, html_to_text(_ANCHOR.sub("", inner)))
        for level, ident, inner in _HEADING.findall(html)
    )
