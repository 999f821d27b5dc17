"""An article's weighted terms and key terms, and the site's document
frequencies (table term_stats), for related articles.

Guarantees:
- `term_counts`: title terms weigh TITLE_WEIGHT, tag names TAG_WEIGHT, body
  terms 1 (term frequency damped as 1 + ln tf); character pairs of longer
  Chinese words count too, at BIGRAM_WEIGHT of the word's weight.
- `key_terms`: the KEY_TERMS strongest TF-IDF terms, scaled to unit length.
- `doc_frequencies` / `bump`: read and change the kept document frequencies;
  the row with the empty term (DOCS) counts the indexed articles.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from flask import current_app
from sqlalchemy import insert, select, update

from cms.events import TaxonomyChanged
from cms.extensions import db
from cms.models import Category, Tag, TermStat
from cms.models.related import TERM_LENGTH
from cms.text import segment

KEY_TERMS = 60
TITLE_WEIGHT = 4.5
TAG_WEIGHT = 4.0
# Character pairs of longer Chinese words count too (as "#xy"), at this share
# of the word's weight: 信用卡 and 信用 then meet. Tuned on the demo corpus
# (bench/related.py): precision@5 0.73 without, 0.82 with (0.85 with `_expand`).
BIGRAM_WEIGHT = 1.0
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


def term_counts(title: str, tags: Iterable[str], body_text: str) -> dict[str, float]:
    """Weighted term frequencies of an article: title and tags weigh more."""
    counts: dict[str, float] = defaultdict(float)
    tfs: dict[str, int] = defaultdict(int)
    for word in segment.words(body_text):
        tfs[word] += 1
    for term, tf in tfs.items():
        counts[term[:TERM_LENGTH]] += 1 + math.log(tf)
    for term in set(segment.words(title)):
        counts[term[:TERM_LENGTH]] += TITLE_WEIGHT
    for tag in tags:
        for term in {segment.normalize(tag).strip(), *segment.words(tag)}:
            if term:
                counts[term[:TERM_LENGTH]] += TAG_WEIGHT
    if BIGRAM_WEIGHT:
        for word, weight in list(counts.items()):
            if len(word) > 2 and not word.isascii():
                for i in range(len(word) - 1):
                    counts["#" + word[i : i + 2]] += weight * BIGRAM_WEIGHT
    return {term: round(weight, 4) for term, weight in counts.items()}


def key_terms(
    counts: dict[str, float], df: dict[str, int], docs: int
) -> dict[str, float]:
    """The KEY_TERMS strongest TF-IDF terms, scaled to unit length."""
    weights = {
        term: tf * (math.log((docs + 1) / (df.get(term, 0) + 1)) + 1.0)
        for term, tf in counts.items()
    }
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:KEY_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {term: w / norm for term, w in top}


def batches(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def doc_frequencies(terms: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in batches(sorted(set(terms) | {DOCS})):
        for term, df in db.session.execute(
            select(TermStat.term, TermStat.df).where(TermStat.term.in_(chunk))
        ):
            found[term] = df
    return found


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
