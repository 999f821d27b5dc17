"""Site-wide comment counts per status, kept rather than counted per view."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from cms.extensions import db
from cms.models import Comment, CommentStatus, CommentTally


def adjust_tallies(deltas: Mapping[CommentStatus, int]) -> None:
    """Apply per-status differences with atomic UPDATEs. Call inside the write
    transaction that changed the comments, after the change. A missing row is
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
            _create_tally(status)


def _create_tally(status: CommentStatus) -> None:
    counted = db.session.scalar(
        select(func.count(Comment.id)).where(Comment.status == status)
    )
    try:
        with db.session.begin_nested():
            db.session.add(CommentTally(status=status.value, count=counted))
    except IntegrityError:  # another transaction created it first: add to it
        pass


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
