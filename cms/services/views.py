"""The view counter."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Update, bindparam, update

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, utcnow


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
    when no such article is visible (and nothing changed).

    The article page calls this first, before it reads anything, so its write
    transaction needs no read transaction ended before it."""
    with write_transaction():
        count = db.session.scalar(
            _count_view(),
            {"b_public_id": public_id, "b_now": utcnow()},
            execution_options={"synchronize_session": False},
        )
    return count
