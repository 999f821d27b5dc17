"""An article's weighted terms and key terms, and the site's document
frequencies (table term_stats), for related articles.

Guarantees:
- `term_counts`: an article's term frequencies per field (title, tags, body)
  and its body's length; character pairs of longer Chinese words count too,
  at SUBWORD_SHARE of the word's frequency.
- `key_terms`: the KEY_TERMS strongest BM25F terms, scaled to unit length:
  fields boosted (FIELDS: title 2, tags 3 as the editors' own topic labels,
  body 1: title and tags add to the body without drowning it), the body's
  frequencies normalised by its length against the site's mean (B),
  saturated (K1), times the term's inverse document frequency over the
  site; a term no other article has (yet) counts UNSHARED_SHARE of its
  weight.
- `doc_frequencies` / `bump_article`: read and change the kept statistics:
  each term's document frequency, the number of indexed articles (row DOCS)
  and the sum of their body lengths (row LENGTHS, over MEASURED articles).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from cms.events import TaxonomyChanged
from cms.extensions import db
from cms.models import Category, Tag, TermStat
from cms.models.related import TERM_LENGTH
from cms.text import segment

KEY_TERMS = 60
# BM25F: each field's term frequency times its boost; the body's normalised
# by its length (B) against the site's mean; then saturated (K1). The
# article is the query here as well as the document, and a long query's own
# term frequencies matter (BM25's k3 for query terms is usually large): K1
# is set above retrieval's usual 1.2-2. Chosen on the demo corpus and
# bench/data/dev-articles.jsonl, never on bench/data/unseen-articles.jsonl
# (README "Related articles").
FIELDS = {"title": 2.0, "tags": 3.0, "body": 1.0}
K1 = 5.0
B = 0.75
SUBWORD_SHARE = 0.5
# A term no other article has relates the article to none today: it counts
# half, so that the terms it shares take the key-term places first (on a
# small site most words are unique) but stays, for the articles to come.
SHARED = 2
UNSHARED_SHARE = 0.5
LENGTH = "length"  # the body's length in an article's counts
LENGTHS = "\x1f"  # TermStat's row summing the indexed bodies' lengths
MEASURED = "\x1e"  # TermStat's row counting the articles LENGTHS sums
BATCH = 500  # ids per IN (…) list
DOCS = ""  # TermStat's row counting indexed articles

_site_words_loaded: dict[int, bool] = {}


def load_site_words(force: bool = False) -> None:
    """Teach the segmenter the site's tag and category names (once per
    process and app; again after TaxonomyChanged)."""
    key = id(current_app._get_current_object())  # type: ignore[attr-defined]
    if _site_words_loaded.get(key) and not force:
        return
    names = list(db.session.scalars(select(Tag.name)))
    names += list(db.session.scalars(select(Category.name)))
    segment.add_words(names)
    _site_words_loaded[key] = True


def learn_site_words(_event: TaxonomyChanged) -> None:
    """After-commit handler of TaxonomyChanged: new names join the dictionary."""
    load_site_words(force=True)


# -- Term vectors ----------------------------------------------------------------

Counts = dict[str, Any]  # FIELDS: {term: tf}, and LENGTH: the body's length


def term_counts(title: str, tags: Iterable[str], body_text: str) -> Counts:
    """An article's term frequencies per field (title, tags, body) and the
    length of its body in terms; each word of more than two Chinese
    characters also counts its character pairs, at SUBWORD_SHARE of the
    word's frequency (信用卡 then meets 信用)."""
    fields: dict[str, list[str]] = {
        "title": segment.words(title),
        "tags": [
            term
            for tag in tags
            for term in {segment.normalize(tag).strip(), *segment.words(tag)}
            if term
        ],
        "body": segment.words(body_text),
    }
    counts: Counts = {LENGTH: len(fields["body"])}
    for field, words in fields.items():
        tfs: dict[str, float] = defaultdict(float)
        for word in words:
            tfs[word[:TERM_LENGTH]] += 1.0
            if SUBWORD_SHARE and len(word) > 2 and not word.isascii():
                for i in range(len(word) - 1):
                    tfs[word[i : i + 2]] += SUBWORD_SHARE
        counts[field] = {term: round(tf, 4) for term, tf in tfs.items()}
    return counts


def counted_terms(counts: Counts) -> set[str]:
    """Every term of an article's counts (each counts once towards DF)."""
    found: set[str] = set()
    for field in FIELDS:
        found.update(counts.get(field, ()))
    return found


def key_terms(
    counts: Counts, df: dict[str, int], docs: int, mean_length: float
) -> dict[str, float]:
    """The KEY_TERMS strongest BM25F terms, scaled to unit length: each
    field's frequency times its boost (the body's normalised by its length
    against the site's mean, B), summed, saturated (K1), times the term's
    inverse document frequency over the site."""
    length = counts.get(LENGTH)
    norm_body = 1.0 - B + B * length / mean_length if length and mean_length else 1.0
    pseudo: dict[str, float] = defaultdict(float)
    for field, boost in FIELDS.items():
        scale = boost / norm_body if field == "body" else boost
        for term, tf in counts.get(field, {}).items():
            pseudo[term] += tf * scale
    weights = {}
    for term, tf in pseudo.items():
        n = min(df.get(term, 1), docs)
        idf = math.log(1.0 + (docs - n + 0.5) / (n + 0.5))
        weights[term] = idf * tf * (K1 + 1.0) / (tf + K1)
        if n < SHARED:
            weights[term] *= UNSHARED_SHARE
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:KEY_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {term: w / norm for term, w in top}


def batches(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def doc_frequencies(terms: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in batches(sorted(set(terms) | {DOCS, LENGTHS, MEASURED})):
        for term, df in db.session.execute(
            select(TermStat.term, TermStat.df).where(TermStat.term.in_(chunk))
        ):
            found[term] = df
    return found


def bump_article(counts: Counts, sign: int) -> None:
    """Count an article in (sign +1) or out (-1) of the kept statistics: the
    document frequency of each of its terms, the number of indexed articles
    (DOCS) and the sum of their body lengths (LENGTHS)."""
    bump([*counted_terms(counts), DOCS], sign)
    if LENGTH in counts:  # counts kept before lengths were have none
        bump([LENGTHS], sign * int(counts[LENGTH]))
        bump([MEASURED], sign)


def site_sizes(df: dict[str, int]) -> tuple[int, float]:
    """The number of indexed articles and their mean body length (0: none
    known), from the statistics `doc_frequencies` read."""
    docs = max(df.get(DOCS, 1), 1)
    measured = df.get(MEASURED, 0)
    return docs, max(df.get(LENGTHS, 0) / measured, 1.0) if measured > 0 else 0.0


def bump(terms: Iterable[str], delta: int) -> None:
    """Add `delta` to the document frequency of each term (rows made as needed)."""
    terms = sorted(set(terms))
    if not terms:
        return
    present: set[str] = set()
    for chunk in batches(terms):
        present.update(
            db.session.scalars(select(TermStat.term).where(TermStat.term.in_(chunk)))
        )
        db.session.execute(
            update(TermStat)
            .where(TermStat.term.in_(chunk))
            .values(df=TermStat.df + delta)
        )
    missing = [t for t in terms if t not in present]
    if missing and delta > 0:
        db.session.execute(
            insert(TermStat), [{"term": t, "df": delta} for t in missing]
        )
