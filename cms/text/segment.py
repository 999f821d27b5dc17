"""Chinese word segmentation for related articles and search.

Chinese has no spaces between words, so a plain tokenizer would see one word
per sentence. The words come from rjieba (the Rust port of jieba: the same
dictionary and HMM, about twenty times faster, loaded in a tenth of a second;
see the README's "Segmentation"). On top of it:

- text is NFKC-normalised and lower-cased (全角 ＡＢＣ１２ becomes abc12);
- English words and numbers stay whole, with the joiners they carry
  (``usb-c``, ``c++``, ``5g``, ``v1.2.3``), and a word followed by a number
  ("iPhone 16") also gives the joined term ``iphone16``;
- stop words (``stopwords-zh.txt`` beside this module) and punctuation are
  left out;
- the site's own words (tag and category names) can be added with
  `add_words`, so that 催付话术 stays one word.

The dictionary is loaded once per process, on first use (`engine()`), under a
lock; `load_seconds()` says how long that took. Web workers never load it per
request; `warm()` loads it at boot where that is wanted.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {"engine": None, "seconds": None, "words": set()}
# A "word" token: letters or digits, possibly joined by - + . # _ inside or
# + # at its end (usb-c, c++, c#, v1.2.3, wi-fi).
_LATIN = re.compile(r"^[0-9a-z](?:[0-9a-z._+#-]*[0-9a-z+#])?$")
_NUMBER = re.compile(r"^[0-9][0-9.]*$")
_HAS_WORD_CHAR = re.compile(r"\w")
USER_WORD_FREQ = 200_000  # high enough to win over the dictionary's own splits
MAX_INPUT = 200_000  # characters segmented at most (longer text is cut)


def _load_stopwords() -> frozenset[str]:
    text = (Path(__file__).with_name("stopwords-zh.txt")).read_text("utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


STOPWORDS = _load_stopwords()


def engine() -> Any:
    """The process's segmenter, loaded on first use (thread-safe)."""
    found = _STATE["engine"]
    if found is not None:
        return found
    with _LOCK:
        if _STATE["engine"] is None:
            started = time.perf_counter()
            import rjieba

            jieba = rjieba.Jieba()
            jieba.cut("预热")  # the first cut builds its lookup tables
            for word in _STATE["words"]:
                jieba.add_word(word, USER_WORD_FREQ, None)
            _STATE["seconds"] = time.perf_counter() - started
            _STATE["engine"] = jieba
        return _STATE["engine"]


def warm() -> float:
    """Load the dictionary now; returns the seconds the load took."""
    engine()
    return float(_STATE["seconds"] or 0.0)


def load_seconds() -> float | None:
    """How long loading the dictionary took in this process (None: not yet)."""
    seconds = _STATE["seconds"]
    return None if seconds is None else float(seconds)


def normalize(text: str) -> str:
    """NFKC and lower case: the form every term is compared in."""
    return unicodedata.normalize("NFKC", text[:MAX_INPUT]).lower()


def add_words(words: Iterable[str]) -> int:
    """Add the site's own words (tags, category names) to the dictionary;
    words already known are skipped. Returns how many were new. Words with
    spaces or of one character are not added (the segmenter cannot use them)."""
    new = []
    for word in words:
        word = normalize(word).strip()
        if len(word) < 2 or any(c.isspace() for c in word):
            continue
        if word not in _STATE["words"]:
            new.append(word)
    if not new:
        return 0
    with _LOCK:
        _STATE["words"].update(new)
        jieba = _STATE["engine"]
        if jieba is not None:
            for word in new:
                jieba.add_word(word, USER_WORD_FREQ, None)
    return len(new)


def _keep(token: str) -> bool:
    if token in STOPWORDS or not _HAS_WORD_CHAR.search(token):
        return False
    if token.isascii():
        return bool(_LATIN.match(token))
    return True


_LATIN_PIECE = re.compile(r"^[0-9a-z._+#-]+$")


def _join_latin(pieces: list[str]) -> list[str]:
    """Glue back a Latin run the tokenizer cut: a site word added to its
    dictionary ("python") would otherwise split "python3.12" into "python" and
    "3.12". For the tokenizer's plain cut only (its search mode gives the
    parts and then the whole, which must stay apart). Consecutive pieces of
    letters, digits and ._+#- with no space between are one run; a trailing
    . _ or - (end of a sentence) is left out."""
    out: list[str] = []
    glued = False
    for piece in pieces:
        if out and _LATIN_PIECE.match(piece) and _LATIN_PIECE.match(out[-1]):
            out[-1] += piece
            glued = True
        else:
            out.append(piece)
    if not glued:
        return out
    return [p.rstrip("._-") or p if _LATIN_PIECE.match(p) else p for p in out]


def _terms(pieces: list[str]) -> list[str]:
    out: list[str] = []
    previous_word = ""  # an English word just seen (for "iphone 16")
    spaced = False
    for piece in pieces:
        if piece.isspace():
            spaced = bool(previous_word)
            continue
        token = piece.strip()
        if token.isascii() and _NUMBER.match(token) and previous_word and spaced:
            out.append(previous_word + token)
        previous_word = token if token.isascii() and token.isalpha() else ""
        spaced = False
        if _keep(token):
            out.append(token)
    return out


def words(text: str) -> list[str]:
    """The terms of `text` in order, repeats kept: whole words (for related
    articles' term weights)."""
    return _terms(_join_latin(list(engine().cut(normalize(text), True))))


def search_terms(text: str) -> list[str]:
    """The terms of `text` for the search index and for queries: whole words
    plus the shorter words inside long ones (中华人民共和国 also gives 中华,
    人民, 共和国), so that a query for a part finds the whole. The same
    function feeds the index and the queries on every backend."""
    return _terms(list(engine().cut_for_search(normalize(text), True)))
