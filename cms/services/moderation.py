"""Changing comments' status with exact article counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select, update

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Comment, CommentStatus, User, utcnow
from cms.services.comments import adjust_comment_count

_PARKED = (CommentStatus.SPAM, CommentStatus.TRASH)


def set_status(
    comment_ids: Iterable[int], status: CommentStatus, actor: User | None
) -> dict[int, CommentStatus]:
    """Move comments to `status`; returns {id: status it had} for those that
    changed. Rows change by UPDATEs conditional on their old status, and the
    article counts move by the difference in the same transaction, so counts
    stay exact even when two editors act on the same comments at once (a row
    another editor moved first is left alone). Moving to spam or trash
    remembers the status it leaves, for `restore`."""
    ids = sorted(set(comment_ids))
    changed: dict[int, CommentStatus] = {}
    deltas: Counter[int] = Counter()
    now = utcnow()
    with write_transaction():
        olds = db.session.scalars(
            select(Comment.status)
            .where(Comment.id.in_(ids), Comment.status != status)
            .distinct()
        ).all()
        for old in olds:
            values = {"status": status, "moderated_at": now,
                      "moderated_by_id": actor.id if actor else None}  # fmt: skip
            if status in _PARKED and old not in _PARKED:
                values["previous_status"] = old
            for chunk in _chunks(ids, 500):
                moved = db.session.execute(
                    update(Comment)
                    .where(Comment.id.in_(chunk), Comment.status == old)
                    .values(**values)
                    .returning(Comment.id, Comment.article_id),
                    execution_options={"synchronize_session": False},
                ).all()
                for comment_id, article_id in moved:
                    changed[comment_id] = old
                    if status == CommentStatus.APPROVED:
                        deltas[article_id] += 1
                    elif old == CommentStatus.APPROVED:
                        deltas[article_id] -= 1
        for article_id, delta in deltas.items():
            adjust_comment_count(article_id, delta)
    return changed


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
