"""Kept comment counts: each article's approved count and the site-wide count
per status (comments on pages included; a page's own count is counted when
it is shown, cms.services.threads.approved_count). Their one owner is
`follow_comment_moves`, the in-transaction handler of CommentsChanged:
services announce moves, never adjust counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from cms.events import CommentsChanged
from cms.extensions import db
from cms.models import Article, Comment, CommentStatus, CommentTally

_APPROVED = CommentStatus.APPROVED.value


def follow_comment_moves(event: CommentsChanged) -> None:
    """Apply an event's status moves to the kept counts, in the unit of work
    that moved the comments: +1/-1 on an article's approved count for each
    comment entering or leaving `approved`, and the per-status tallies.
    Articles are updated in id order and tallies in a fixed order, so that
    concurrent units wait for each other rather than deadlock."""
    articles: Counter[int] = Counter()
    tallies: Counter[CommentStatus] = Counter()
    for move in event.moves:
        if move.before == move.after:
            continue
        if move.before is not None:
            tallies[CommentStatus(move.before)] -= 1
        if move.after is not None:
            tallies[CommentStatus(move.after)] += 1
        if move.article_id is None:
            continue  # a page's comment: pages keep no count (they count on render)
        if move.after == _APPROVED:
            articles[move.article_id] += 1
        elif move.before == _APPROVED:
            articles[move.article_id] -= 1
    _adjust_comment_counts(
        [(article_id, delta) for article_id, delta in sorted(articles.items()) if delta]
    )
    adjust_tallies(tallies)


def _adjust_comment_counts(deltas: list[tuple[int, int]]) -> None:
    """Add each delta to its article's approved-comment count: one UPDATE
    statement, executed once per article (executemany, so a batch of an
    import costs one round of statements, not one compile each)."""
    if not deltas:
        return
    articles = db.metadata.tables["articles"]
    # Core, not the ORM: a comment is not an edit and updated_at stays as it is.
    statement = (
        update(articles)
        .where(articles.c.id == bindparam("b_id"))
        .values(
            comment_count=articles.c.comment_count + bindparam("b_delta"),
            updated_at=articles.c.updated_at,  # its onupdate would bump it
        )
    )
    db.session.execute(statement, [{"b_id": a, "b_delta": d} for a, d in deltas])
    # Loaded articles read the new count on their next access.
    session = db.session()
    for article_id, _ in deltas:
        loaded = session.identity_map.get(session.identity_key(Article, article_id))
        if loaded is not None:
            session.expire(loaded, ["comment_count"])


def adjust_tallies(deltas: Mapping[CommentStatus, int]) -> None:
    """Apply per-status differences with atomic UPDATEs (follow_comment_moves
    calls this; nothing else should). A missing row is
    created from a recount (which already sees this transaction's changes).
    Rows are updated in a fixed order, so that concurrent adjustments wait for
    each other rather than deadlock."""
    for status, delta in sorted(deltas.items()):
        if not delta:
            continue
        done = db.session.execute(
            update(CommentTally)
            .where(CommentTally.status == status.value)
            .values(count=CommentTally.count + delta)
        ).rowcount
        if not done:
            _create_tally(status, delta)


def _create_tally(status: CommentStatus, delta: int) -> None:
    counted = db.session.scalar(
        select(func.count(Comment.id)).where(Comment.status == status)
    )
    try:
        with db.session.begin_nested():
            db.session.add(CommentTally(status=status.value, count=counted))
    except IntegrityError:
        # Another transaction created it first, from a count that could not
        # see this one's comments: add this unit's change to it.
        db.session.execute(
            update(CommentTally)
            .where(CommentTally.status == status.value)
            .values(count=CommentTally.count + delta)
        )


def comment_tallies() -> dict[CommentStatus, int]:
    """Every status with its kept count (0 when none was ever counted)."""
    rows = db.session.execute(select(CommentTally.status, CommentTally.count))
    kept = dict(rows.all())
    return {status: kept.get(status.value, 0) for status in CommentStatus}


def recount_tallies() -> dict[CommentStatus, int]:
    """The counts by counting rows (for checks and repairs, not for pages)."""
    counted = dict(
        db.session.execute(
            select(Comment.status, func.count(Comment.id)).group_by(Comment.status)
        ).all()
    )
    return {status: counted.get(status, 0) for status in CommentStatus}


def rebuild_counts() -> None:
    """Set every kept count from the rows (after rows were written wholesale,
    as by a merging import): each article's approved count and the tallies."""
    approved = (
        select(func.count(Comment.id))
        .where(Comment.article_id == Article.id, Comment.status == _APPROVED)
        .scalar_subquery()
    )
    db.session.execute(
        update(Article).values(comment_count=approved, updated_at=Article.updated_at)
    )
    db.session.execute(delete(CommentTally))
    for status, count in recount_tallies().items():
        db.session.add(CommentTally(status=status.value, count=count))
    db.session.flush()
