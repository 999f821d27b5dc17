"""Site figures for the moderation dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cms.database import write_transaction
from cms.extensions import db
from cms.models import (
    Article,
    ArticleStatus,
    AuditEntry,
    Comment,
    CommentStatus,
    DailyViews,
    utcnow,
)
from cms.services.settings import current_settings
from cms.services.tallies import comment_tallies


def _site_zone() -> ZoneInfo:
    return ZoneInfo(current_settings()["site.timezone"])


def site_today(now: datetime | None = None) -> date:
    """Today's date in the site's time zone."""
    return (now or utcnow()).astimezone(_site_zone()).date()


def total_views(owner_id: int | None = None) -> int:
    """All views so far of every article (or of one owner's articles)."""
    query = select(func.coalesce(func.sum(Article.view_count), 0))
    if owner_id is not None:
        query = query.where(Article.owner_id == owner_id)
    return int(db.session.scalar(query))


def snapshot_daily_views(now: datetime | None = None) -> bool:
    """Store today's starting total once (run by `flask cms tick`); True when
    this call stored it. Safe when several servers tick at once."""
    today = site_today(now)
    if db.session.get(DailyViews, today) is not None:
        return False
    try:
        with write_transaction():
            db.session.add(DailyViews(day=today, views_at_start=total_views()))
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Dashboard:
    """What the moderation area's front page shows."""

    tallies: dict[CommentStatus, int]
    oldest_pending_at: datetime | None
    comments_today: int
    views_today: int | None  # None until the first tick of the day
    latest: list[AuditEntry]


@dataclass(frozen=True)
class Overview:
    """Article counts by status, and all views so far (for every role)."""

    by_status: dict[ArticleStatus, int]
    total_views: int


def site_overview(owner_id: int | None = None) -> Overview:
    """Article counts by status and the total views, of the whole site or of
    one owner's articles; two aggregate queries, whatever the number."""
    counts = select(Article.status, func.count()).group_by(Article.status)
    if owner_id is not None:
        counts = counts.where(Article.owner_id == owner_id)
    by_status = {status: 0 for status in ArticleStatus} | dict(
        db.session.execute(counts).all()
    )
    return Overview(by_status=by_status, total_views=total_views(owner_id))


def dashboard(now: datetime | None = None, views: int | None = None) -> Dashboard:
    """The moderators' figures, in a handful of indexed queries; `views` is
    the total view count when the caller has it already."""
    now = now or utcnow()
    zone = _site_zone()
    today = site_today(now)
    midnight = datetime.combine(today, time(), zone)
    oldest = db.session.scalar(
        select(func.min(Comment.created_at)).where(
            Comment.status == CommentStatus.PENDING
        )
    )
    comments_today = db.session.scalar(
        select(func.count(Comment.id)).where(Comment.created_at >= midnight)
    )
    baseline = db.session.get(DailyViews, today)
    if views is None:
        views = total_views()
    views_today = views - baseline.views_at_start if baseline else None
    latest = db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(10)
    ).all()  # fmt: skip
    return Dashboard(comment_tallies(), oldest, int(comments_today or 0),
                     views_today, list(latest))  # fmt: skip


def pending_age(
    oldest: datetime | None, now: datetime | None = None
) -> timedelta | None:
    """How long the oldest pending comment has waited."""
    return (now or utcnow()) - oldest if oldest else None
