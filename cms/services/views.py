"""The view counter."""

from __future__ import annotations

import logging
from functools import lru_cache

from sqlalchemy import Update, bindparam, update
from sqlalchemy.exc import SQLAlchemyError

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, utcnow

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _count_view() -> Update:
    return (
        update(Article)
        .where(
            Article.public_id == bindparam("b_public_id"),
            Article.status == ArticleStatus.PUBLISHED,
            Article.published_at <= bindparam("b_now"),
        )
        # A view is not an edit: keep updated_at (its onupdate would bump it).
        .values(view_count=Article.view_count + 1, updated_at=Article.updated_at)
        .returning(Article.view_count)
    )


def record_view(public_id: str) -> int | None:
    """Add one view to the article readers may see under `public_id`, in a
    single atomic UPDATE (no read-modify-write race); the new count, or None
    when no such article is visible (and nothing changed). A failed write
    raises (SQLAlchemyError), having changed nothing."""
    with write_transaction():
        count = db.session.scalar(
            _count_view(),
            {"b_public_id": public_id, "b_now": utcnow()},
            execution_options={"synchronize_session": False},
        )
    return count


def count_view(public_id: str) -> int | None:
    """`record_view` for a page already rendered: the view is counted in a
    transaction of its own, and a failed write (a read-only or full disk, a
    lost connection) is logged and dropped, so that reading never depends on
    counting. The new count, or None when nothing was counted."""
    try:
        return record_view(public_id)
    except SQLAlchemyError as error:
        log.warning("view of %s not counted: %s", public_id, error)
        return None
