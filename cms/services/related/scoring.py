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

from sqlalchemy import bindparam, select

from cms.extensions import db
from cms.models import Article, ArticleTerm
from cms.services.related.terms import batches, doc_frequencies

MAX_CANDIDATES = 2000
CATEGORY_BONUS = 0.05
POSTINGS_PER_TERM = 500
_POSTINGS = (
    select(ArticleTerm.article_id, ArticleTerm.weight)
    .where(ArticleTerm.term == bindparam("term"))
    .order_by(ArticleTerm.weight.desc())
    .limit(POSTINGS_PER_TERM)
)


@dataclass(frozen=True)
class Scored:
    """A candidate's score against one article."""

    article_id: int
    score: float
    published_at: datetime | None


def score_candidates(
    article_id: int,
    vector: dict[str, float],
    category_id: int | None,
    bonus: float | None = None,
    cap: int = MAX_CANDIDATES,
) -> list[Scored]:
    """Every candidate's score, best first (ties: newer first). Candidates are
    the articles sharing the key terms, rarest terms first, at most `cap`."""
    if bonus is None:
        bonus = CATEGORY_BONUS  # read now: the benchmark switches it off
    if not vector:
        return []
    df = doc_frequencies(vector)
    terms = sorted(vector, key=lambda t: (df.get(t, 0), t))
    # The dot product, read off the postings: each term's strongest
    # POSTINGS_PER_TERM; an article becomes a candidate while there is room
    # (rarest terms first), and later terms only add to the candidates.
    scores: dict[int, float] = defaultdict(float)
    for term in terms:
        mine = vector[term]
        for other, weight in db.session.execute(_POSTINGS, {"term": term}):
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
        out.append(Scored(other, score, published_at))
    out.sort(key=rank)
    return out


def rank(item: Scored) -> tuple[float, float, int]:
    when = item.published_at.timestamp() if item.published_at else 0.0
    return (-round(item.score, 9), -when, -item.article_id)
