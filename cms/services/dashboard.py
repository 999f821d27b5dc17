"""Figures for the moderation area's front page."""

from dataclasses import dataclass

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, ArticleStatus


@dataclass(frozen=True)
class Overview:
    """Article counts by status, and all views so far."""

    by_status: dict[ArticleStatus, int]
    total_views: int


def site_overview() -> Overview:
    """Counts in two aggregate queries, whatever the number of articles."""
    rows = db.session.execute(
        select(Article.status, func.count()).group_by(Article.status)
    ).all()
    by_status = {status: 0 for status in ArticleStatus} | dict(rows)
    views = db.session.scalar(select(func.coalesce(func.sum(Article.view_count), 0)))
    return Overview(by_status=by_status, total_views=int(views))
