"""Candidates for an article's related list and their scores, read off the
inverted index (table article_terms).

Guarantees:
- The content score is the dot product of two articles' unit-length key-term
  vectors (their cosine); the same category adds CATEGORY_BONUS; ties go to
  the newer article.
- Cost is bounded by the candidate set, not by the site: candidates are the
  articles sharing the key terms, taken rarest term first, at most
  MAX_CANDIDATES, scored from each term's POSTINGS_PER_TERM strongest
  postings; never all pairs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from cms.extensions import db
from cms.models import Article
from cms.services.related.terms import batches, doc_frequencies

# The work of one search is at most KEY_TERMS x POSTINGS_PER_TERM postings
# read (each through the (term, weight) index) and MAX_CANDIDATES articles
# looked up, whatever the size of the site: on a small site a term has fewer
# postings than that, on a large one its strongest are read. 20 (40 until
# 2026-12-07): 60 x 20 postings still give more than MAX_CANDIDATES, and a
# site of 1,000 articles already reads about what a large one does, so the
# cost no longer grows from a small site to a large one (bench/README.md;
# precision: demo 0.867 and dev 0.994 as before, unseen 0.912 from 0.908).
MAX_CANDIDATES = 200
POSTINGS_PER_TERM = 20
# The same category (an editor's choice of topic) adds this to the cosine:
# an article of another category shows before one of the same category only
# when clearly closer in content. Off in bench/related.py's precision.
CATEGORY_BONUS = 0.2
# A content score under this (a cosine) shares too little to show the article
# or to borrow its terms (`index.expand_vector`).
MIN_SCORE = 0.05


def _postings(terms: list[str], limit: int) -> dict[str, list[tuple[int, float]]]:
    """Each term's `limit` strongest postings, (article id, weight), in one
    statement: one index range per term (UNION ALL of limited selects)."""
    found: dict[str, list[tuple[int, float]]] = {term: [] for term in terms}
    for chunk in batches(terms, 100):
        parts = [
            f"SELECT * FROM (SELECT term, article_id, weight FROM article_terms "  # noqa: S608  # nosec B608  # only numbered placeholders; terms are bound
            f"WHERE term = :t{i} ORDER BY weight DESC LIMIT :limit) AS p{i}"
            for i in range(len(chunk))
        ]
        params: dict[str, object] = {f"t{i}": term for i, term in enumerate(chunk)}
        rows = db.session.execute(
            text(" UNION ALL ".join(parts)), params | {"limit": limit}
        )
        for term, other, weight in rows:
            found[term].append((other, weight))
    return found


@dataclass(frozen=True)
class Scored:
    """A candidate's score against one article."""

    article_id: int
    score: float
    published_at: datetime | None
    category_id: int | None = None


def score_candidates(
    article_id: int,
    vector: dict[str, float],
    category_id: int | None,
    bonus: float | None = None,
    cap: int | None = None,
    postings: int | None = None,
) -> list[Scored]:
    """Every candidate's score, best first (ties: newer first). Candidates are
    the articles sharing the key terms, rarest terms first, at most `cap`
    (MAX_CANDIDATES), from each term's `postings` (POSTINGS_PER_TERM)
    strongest postings."""
    cap = MAX_CANDIDATES if cap is None else cap
    postings = POSTINGS_PER_TERM if postings is None else postings
    if bonus is None:
        bonus = CATEGORY_BONUS  # read now: the benchmark switches it off
    if not vector:
        return []
    df = doc_frequencies(vector)
    terms = sorted(vector, key=lambda t: (df.get(t, 0), t))
    # The dot product, read off the postings: each term's strongest
    # postings; an article becomes a candidate while there is room
    # (rarest terms first), and later terms only add to the candidates.
    scores: dict[int, float] = defaultdict(float)
    read = _postings(terms, postings)
    for term in terms:
        mine = vector[term]
        for other, weight in read[term]:
            if other != article_id and (other in scores or len(scores) < cap):
                scores[other] += weight * mine
    ids = list(scores)
    facts: dict[int, tuple[int | None, datetime | None]] = {}
    for chunk in batches(ids):
        for other, other_category, published_at in db.session.execute(
            select(Article.id, Article.category_id, Article.published_at).where(
                Article.id.in_(chunk)
            )
        ):
            facts[other] = (other_category, published_at)
    out = []
    for other, score in scores.items():
        other_category, published_at = facts.get(other, (None, None))
        if bonus and category_id is not None and other_category == category_id:
            score += bonus
        out.append(Scored(other, score, published_at, other_category))
    out.sort(key=rank)
    return out


def rank(item: Scored) -> tuple[float, float, int]:
    when = item.published_at.timestamp() if item.published_at else 0.0
    return (-round(item.score, 9), -when, -item.article_id)
