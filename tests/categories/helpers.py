"""What the categories tests share: a snapshot of every row a category action
may change, parsed pages, the audit entries of an action."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, AuditEntry, Category, CategoryRedirect


def state() -> dict:
    """Every row a category action may touch (call inside an app context)."""
    db.session.expire_all()
    return {
        "categories": sorted(
            (c.id, c.name, c.slug, c.parent_id, c.description)
            for c in db.session.scalars(select(Category))
        ),
        "redirects": sorted(
            (r.old_slug, r.category_id)
            for r in db.session.scalars(select(CategoryRedirect))
        ),
        "articles": sorted(
            db.session.execute(select(Article.id, Article.category_id)).all()
        ),
        "audit": db.session.scalar(select(func.count(AuditEntry.id))),
    }


def soup_of(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def entries(action: str) -> list[AuditEntry]:
    """The audit entries of an action, oldest first (inside an app context)."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
    )
