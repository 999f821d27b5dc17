"""cms.services.stats: the daily views baseline (one a day in the site's zone)
and the dashboard's figures."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, DailyViews, User
from cms.services.moderation import apply_action
from cms.services.settings import set_setting
from cms.services.stats import (
    dashboard,
    pending_age,
    site_overview,
    site_today,
    snapshot_daily_views,
    total_views,
)
from tests.factories import make_article, make_user
from tests.moderation_services.support import (
    APPROVED,
    PENDING,
    SPAM,
    TRASH,
    add_comment,
    check_counts,
    fresh,
)

# 16:30 UTC on the 28th is 00:30 on the 29th in Shanghai (UTC+8).
SHANGHAI_AFTER_MIDNIGHT = datetime(2026, 11, 28, 16, 30, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def baselines() -> dict[date, int]:
    fresh()
    rows = db.session.execute(select(DailyViews.day, DailyViews.views_at_start))
    return dict(rows.all())


def set_views(article_id: int, views: int) -> None:
    with write_transaction():
        db.session.execute(
            update(Article).where(Article.id == article_id).values(view_count=views)
        )


def test_the_site_day_is_the_zone_day(ctx):
    assert site_today(SHANGHAI_AFTER_MIDNIGHT) == date(2026, 11, 29)
    assert site_today(utc(28, 15, 59)) == date(2026, 11, 28)
    set_setting("site.timezone", "UTC")
    assert site_today(SHANGHAI_AFTER_MIDNIGHT) == date(2026, 11, 28)


def test_the_baseline_is_stored_once_a_site_day(ctx):
    a, b = make_article(view_count=100), make_article(view_count=23)
    assert snapshot_daily_views(utc(28, 15, 59)) is True  # still the 28th there
    assert baselines() == {date(2026, 11, 28): 123}
    set_views(a.id, 150)
    assert snapshot_daily_views(SHANGHAI_AFTER_MIDNIGHT) is True  # the 29th
    set_views(b.id, 30)
    assert snapshot_daily_views(utc(29, 3)) is False  # the 29th again
    assert snapshot_daily_views(utc(29, 15, 59)) is False
    assert baselines() == {date(2026, 11, 28): 123, date(2026, 11, 29): 173}
    assert snapshot_daily_views(utc(29, 16)) is True  # the 30th
    assert baselines()[date(2026, 11, 30)] == 180


def test_views_today_is_the_total_less_the_baseline(ctx):
    article = make_article(view_count=500)
    make_article(view_count=20)
    now = utc(29, 4)
    assert dashboard(now).views_today is None  # no baseline yet today
    snapshot_daily_views(SHANGHAI_AFTER_MIDNIGHT)
    assert dashboard(now).views_today == 0
    set_views(article.id, 537)
    fresh()
    assert total_views() == 557
    assert dashboard(now).views_today == 37
    # The next site day has no baseline until its first tick.
    assert dashboard(utc(29, 16, 1)).views_today is None


def test_dashboard_figures(ctx, actor):
    first, second = make_article(), make_article()
    now = utc(29, 4)  # 12:00 on the 29th in Shanghai
    add_comment(first, "approved", created_at=utc(27, 10))
    oldest = add_comment(first, "pending", created_at=utc(28, 2, 15))
    add_comment(second, "pending", created_at=utc(28, 15, 59))  # 23:59 on the 28th
    add_comment(second, "spam", created_at=utc(28, 16))  # 00:00 on the 29th
    add_comment(first, "pending", created_at=utc(29, 3))
    add_comment(second, "trash", created_at=utc(29, 3, 30))
    check_counts()

    figures = dashboard(now)
    assert figures.tallies == {PENDING: 3, APPROVED: 1, SPAM: 1, TRASH: 1}
    assert figures.oldest_pending_at == oldest.created_at == utc(28, 2, 15)
    assert figures.comments_today == 3  # from midnight in Shanghai
    assert pending_age(figures.oldest_pending_at, now) == timedelta(
        hours=25, minutes=45
    )
    assert figures.latest == []

    apply_action([oldest.id], "approve", actor)
    check_counts()
    figures = dashboard(now)
    assert figures.tallies == {PENDING: 2, APPROVED: 2, SPAM: 1, TRASH: 1}
    assert figures.oldest_pending_at == utc(28, 15, 59)

    set_setting("site.timezone", "UTC")  # midnight is 8 hours later
    assert dashboard(now).comments_today == 2


def test_dashboard_with_nothing_pending(ctx):
    figures = dashboard(utc(29, 4))
    assert figures.oldest_pending_at is None
    assert pending_age(None) is None
    assert figures.comments_today == 0
    assert set(figures.tallies.values()) == {0}


def test_latest_audit_entries_newest_first_ten_at_most(ctx, actor, article):
    comments = [add_comment(article, "pending").id for _ in range(12)]
    entry_ids = [apply_action([c], "approve", actor).entry.id for c in comments]
    latest = dashboard().latest
    assert [e.id for e in latest] == entry_ids[::-1][:10]
    assert all(e.actor.username == "moderator" for e in latest)
    check_counts()


def test_servers_ticking_at_once_store_one_baseline(shared_app):
    import threading

    with shared_app.app_context():
        make_article(view_count=42)
        db.session.remove()
    barrier = threading.Barrier(4)
    stored: list[bool] = []
    errors: list[BaseException] = []

    def tick():
        try:
            with shared_app.app_context():
                barrier.wait(timeout=30)
                stored.append(snapshot_daily_views(SHANGHAI_AFTER_MIDNIGHT))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(stored) == [False, False, False, True]
    with shared_app.app_context():
        assert baselines() == {date(2026, 11, 29): 42}
        db.session.remove()


def test_the_overview_counts_the_site_or_one_owners_articles(ctx):
    mine, theirs = make_user(password=None), make_user(password=None)
    make_article(owner=mine, view_count=5)
    make_article(owner=mine, status=ArticleStatus.DRAFT)
    make_article(owner=theirs, view_count=7)

    own = site_overview(mine.id)
    everything = site_overview()

    assert own.by_status["published"] == 1 and own.by_status["draft"] == 1
    assert own.total_views == 5
    assert everything.by_status["published"] == 2 and everything.total_views == 12


def test_a_contributors_dashboard_counts_only_their_articles(
    app, client, login, contributor
):
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == contributor))
        make_article(owner=owner, status=ArticleStatus.DRAFT)
        make_article(view_count=9)  # someone else's
    login(contributor)

    page = client.get("/moderation/").get_data(as_text=True)

    assert "我的文章" in page
    figures = dict(re.findall(r"<dt>(.+?)</dt><dd>(\d+)</dd>", page))
    assert figures["已发布"] == "0" and figures["草稿"] == "1"
    assert figures["总阅读"] == "0"
