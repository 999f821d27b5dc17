"""The view counter."""

from sqlalchemy import update

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article


def record_view(article_id: int) -> int:
    """Add one view in a single atomic UPDATE (no read-modify-write race) and
    return the new count."""
    with write_transaction():
        count = db.session.scalar(
            update(Article)
            .where(Article.id == article_id)
            # A view is not an edit: keep updated_at (its onupdate would bump it).
            .values(view_count=Article.view_count + 1, updated_at=Article.updated_at)
            .returning(Article.view_count)
        )
    return count or 0
