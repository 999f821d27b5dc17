"""The stored related lists (table related_articles) and the queue of lists
to compute (table related_queue).

Guarantees:
- A list is the editors' pins first (in their order, published ones only),
  then the best scored above MIN_SCORE, never an excluded article; fewer than
  SHOWN: filled with the newest articles of the same category.
- Publishing (or changing) an article also enters it into the lists of the
  candidates where it now scores in the top SHOWN; an article that is not
  published leaves the index and every list (`leave_lists`), and the lists
  it left are queued to be refilled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select, update

from cms.database import write_transaction
from cms.events import RelatedChanged, emit
from cms.extensions import db
from cms.models import (
    Article,
    ArticleStatus,
    ArticleTerm,
    ArticleVector,
    RelatedArticle,
    RelatedOverride,
    RelatedQueue,
    TermStat,
    utcnow,
)
from cms.services.related.index import (
    count_terms,
    index_article,
    stored_vector,
    unindex,
    weigh,
)
from cms.services.related.scoring import MIN_SCORE, Scored, rank, score_candidates
from cms.services.related.terms import batches, load_site_words

SHOWN = 6
# A publish is offered to the lists of its best SPREAD_CANDIDATES candidates
# only (each such list is read and maybe written): a candidate further down
# this article's ranking seldom ranks it in its own top six, and such a list
# takes it in when it is next recomputed.
SPREAD_CANDIDATES = 100


def overrides(article_id: int) -> tuple[list[int], set[int]]:
    """An article's pinned (in order) and excluded article ids."""
    return _overrides_of([article_id])[article_id]


def _overrides_of(ids: Sequence[int]) -> dict[int, tuple[list[int], set[int]]]:
    found: dict[int, tuple[list[int], set[int]]] = {i: ([], set()) for i in ids}
    for chunk in batches(ids):
        for owner, other, pinned in db.session.execute(
            select(
                RelatedOverride.article_id,
                RelatedOverride.other_id,
                RelatedOverride.pinned,
            )
            .where(RelatedOverride.article_id.in_(chunk))
            .order_by(RelatedOverride.position, RelatedOverride.other_id)
        ):
            if pinned:
                found[owner][0].append(other)
            else:
                found[owner][1].add(other)
    return found


def _published(ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    found: set[int] = set()
    for chunk in batches(ids):
        found.update(
            db.session.scalars(
                select(Article.id).where(
                    Article.id.in_(chunk), Article.status == ArticleStatus.PUBLISHED
                )
            )
        )
    return found


def _fill(
    article_id: int, category_id: int | None, taken: set[int], count: int
) -> list[int]:
    if count <= 0 or category_id is None:
        return []
    rows = db.session.scalars(
        select(Article.id)
        .where(
            Article.category_id == category_id,
            Article.visible(utcnow()),
            Article.id.not_in(taken | {article_id}),
        )
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(count)
    )
    return list(rows)


def _write_lists(plans: Sequence[tuple[int, int | None, list[Scored]]]) -> None:
    """Store several lists at once, each (article id, its category, its
    candidates best first): pins, then the best scored, then fill. One read
    of the overrides, one delete and one insert for all of them."""
    picks = _overrides_of([owner for owner, _, _ in plans])
    live = _published({p for pins, _ in picks.values() for p in pins})
    rows = []
    for owner, category_id, scored in plans:
        pins, excluded = picks[owner]
        pins = [p for p in pins if p in live][:SHOWN]
        entries: list[tuple[int, float, str]] = [(p, 0.0, "pin") for p in pins]
        taken = set(pins) | excluded | {owner}
        for item in scored:
            if len(entries) >= SHOWN:
                break
            if item.article_id not in taken and item.score >= MIN_SCORE:
                entries.append((item.article_id, item.score, "score"))
                taken.add(item.article_id)
        for other in _fill(owner, category_id, taken, SHOWN - len(entries)):
            entries.append((other, 0.0, "fill"))
        rows += [{"article_id": owner, "position": i, "related_id": other,
                  "score": score, "kind": kind}
                 for i, (other, score, kind) in enumerate(entries)]  # fmt: skip
    for chunk in batches([owner for owner, _, _ in plans]):
        db.session.execute(
            delete(RelatedArticle).where(RelatedArticle.article_id.in_(chunk))
        )
    if rows:
        db.session.execute(insert(RelatedArticle), rows)


def _stored_scored(ids: Sequence[int]) -> dict[int, list[Scored]]:
    """The content-scored entries of several lists."""
    lists: dict[int, list[Scored]] = {i: [] for i in ids}
    for chunk in batches(ids):
        for owner, other, score, published_at in db.session.execute(
            select(
                RelatedArticle.article_id,
                RelatedArticle.related_id,
                RelatedArticle.score,
                Article.published_at,
            )
            .join(Article, Article.id == RelatedArticle.related_id)
            .where(RelatedArticle.article_id.in_(chunk), RelatedArticle.kind == "score")
        ):
            lists[owner].append(Scored(other, score, published_at))
    return lists


def _spread(article: Article, scored: list[Scored]) -> list[int]:
    """Enter `article` into the lists of the candidates where it now scores
    in the top six (scores are symmetric); returns the lists changed."""
    me_when = article.published_at
    hopeful = [s for s in scored[:SPREAD_CANDIDATES] if s.score >= MIN_SCORE]
    current = _stored_scored([s.article_id for s in hopeful])
    plans = []
    for item in hopeful:
        entries = current[item.article_id]
        mine = Scored(article.id, item.score, me_when)
        if len(entries) >= SHOWN and rank(mine) >= rank(max(entries, key=rank)):
            continue
        merged = sorted([e for e in entries if e.article_id != article.id] + [mine],
                        key=rank)  # fmt: skip
        plans.append((item.article_id, item.category_id, merged))
    _write_lists(plans)
    return [owner for owner, _, _ in plans]


def refresh(article_id: int, spread: bool = False, counted: bool = False) -> list[int]:
    """Recompute one article's stored list (its key terms too when `spread`,
    and then enter it into other lists; `counted`: its counts were just
    taken by the caller). An article that is not published
    leaves the index and every list. Returns the ids of the lists written.
    Runs in the caller's unit of work (opens one when called outside)."""
    with write_transaction():
        load_site_words()
        article = db.session.get(Article, article_id)
        if article is None or article.status != ArticleStatus.PUBLISHED:
            unindex(article_id)
            left = leave_lists(article_id)
            db.session.execute(
                delete(RelatedArticle).where(RelatedArticle.article_id == article_id)
            )
            enqueue(left, spread=False)
            return left
        left = []
        if spread or db.session.get(ArticleVector, article_id) is None:
            left = leave_lists(article_id)
            vector = weigh(article_id) if counted else index_article(article)
        else:
            vector = stored_vector(article_id)
        scored = score_candidates(article_id, vector, article.category_id)
        _write_lists([(article_id, article.category_id, scored)])
        changed = [article_id]
        if spread or left:
            changed += _spread(article, scored)
        enqueue([i for i in left if i not in changed], spread=False)
        if changed:
            emit(RelatedChanged(tuple(sorted(set(changed)))))
        return changed


def leave_lists(article_id: int) -> list[int]:
    """Take an article out of every other list at once; returns those lists."""
    owners = sorted(
        set(
            db.session.scalars(
                select(RelatedArticle.article_id).where(
                    RelatedArticle.related_id == article_id
                )
            )
        )
        - {article_id}
    )
    if owners:
        db.session.execute(
            delete(RelatedArticle).where(RelatedArticle.related_id == article_id)
        )
    return owners


def enqueue(ids: Iterable[int], spread: bool) -> None:
    ids = sorted(set(ids))
    if not ids:
        return
    queued: set[int] = set()
    for chunk in batches(ids):
        queued.update(
            db.session.scalars(
                select(RelatedQueue.article_id).where(
                    RelatedQueue.article_id.in_(chunk)
                )
            )
        )
        if spread:
            db.session.execute(
                update(RelatedQueue)
                .where(RelatedQueue.article_id.in_(chunk))
                .values(spread=True)
            )
    fresh = [i for i in ids if i not in queued]
    if fresh:
        now = utcnow()
        db.session.execute(
            insert(RelatedQueue),
            [{"article_id": i, "spread": spread, "queued_at": now} for i in fresh],
        )


def rebuild_all() -> int:
    """Index every published article again and recompute every list (after a
    dictionary change or an import); returns how many articles."""
    with write_transaction():
        db.session.execute(delete(ArticleTerm))
        db.session.execute(delete(ArticleVector))
        db.session.execute(delete(TermStat))
        db.session.execute(delete(RelatedArticle))
        ids = list(
            db.session.scalars(
                select(Article.id).where(Article.status == ArticleStatus.PUBLISHED)
            )
        )
        load_site_words(force=True)
        for article_id in ids:
            article = db.session.get(Article, article_id)
            if article is not None:
                count_terms(article)
        for article_id in ids:
            weigh(article_id, expand=False)
        for article_id in ids:
            weigh(article_id)
    for article_id in ids:
        refresh(article_id)
    return len(ids)
