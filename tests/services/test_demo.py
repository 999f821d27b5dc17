"""cms.services.demo.seed_demo: the demo site, loaded once however often it runs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import (
    Article,
    ArticleStatus,
    Category,
    Setting,
    Tag,
    User,
    article_tags,
)
from cms.services.demo import REFERENCE_PUBLIC_ID, seed_demo, site_is_empty
from cms.services.settings import current_settings, get_setting, set_setting
from tests.speedups import copy_database


def count(table) -> int:
    return db.session.scalar(select(func.count()).select_from(table))


def snapshot() -> dict:
    """Everything a second run could change, in comparable form."""
    db.session.rollback()
    db.session.expire_all()
    return {
        "counts": {
            t.__name__ if hasattr(t, "__name__") else t.name: count(t)
            for t in (Article, Category, Tag, User, Setting, article_tags)
        },
        "settings": {s.key: s.value for s in db.session.scalars(select(Setting))},
        "articles": sorted(
            (a.public_id, a.title, a.view_count, a.updated_at)
            for a in db.session.scalars(select(Article))
        ),
    }


# What each seed_demo of this process reported (a copy reports the last).
_reports: list[str] = []


def _seed() -> None:
    _reports.append(seed_demo())


@pytest.fixture
def seeded(ctx):
    """A new site seeded: by seed_demo on this test's database (the first
    time in a process, and on PostgreSQL), else as a copy of the database
    that first run made (tests/speedups.copy_database); its report."""
    copy_database(db, "services-demo", _seed)
    db.session.expire_all()
    return _reports[-1]


def reference() -> Article:
    return db.session.scalar(
        select(Article).where(Article.public_id == REFERENCE_PUBLIC_ID)
    )


def test_the_first_run_reports_what_it_added(seeded):
    match = re.fullmatch(
        r"demo: 49 article\(s\) and (\d+) setting\(s\) added; "
        r"4 page\(s\) and \d+ menu link\(s\) added; \d+ word rule\(s\) added",
        seeded,
    )
    assert match, seeded
    assert int(match.group(1)) == count(Setting) >= 3


def test_the_reference_article(seeded):
    article = reference()
    assert article is not None
    assert article.title == "支付宝催收上门了怎么办"
    assert article.status == ArticleStatus.PUBLISHED
    assert article.view_count == 8206
    assert article.contributor == "管理员"
    assert article.credited == "管理员"
    assert article.published_at == datetime(2024, 12, 11, 2, 12, tzinfo=UTC)
    local = article.published_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.date() == date(2024, 12, 11)
    assert article.category.name == "催收与逾期"
    assert {t.name for t in article.tags} == {"支付宝", "催收", "逾期", "征信"}


def test_the_reference_article_body_is_the_corrected_text(seeded):
    """The source is as written; the published rendition went through the
    default word rules: 最大 replaced, 第一遍 and 资金周转不灵 intact."""
    article = reference()
    assert "中国最大的第三方支付平台" in article.body_markdown
    assert "中国更大的第三方支付平台" in article.body_html
    assert "最大" not in article.body_html
    for body in (article.body_markdown, article.body_html):
        assert "资金周转不灵" in body
        assert "开始第一遍催收" in body
        assert "之一遍" not in body
    assert '<h2 id="h-一-支付宝催收上门了">' in article.body_html
    assert article.summary.startswith("随着互联网的迅猛发展")


def test_the_demo_content_counts(seeded):
    assert count(Article) == 49
    assert count(Category) == 8
    assert (
        db.session.scalar(
            select(func.count(Article.id)).where(
                Article.status == ArticleStatus.PUBLISHED
            )
        )
        == 49
    )
    # Every demo article is visible today, with a summary and rendered body.
    assert all(
        a.published_at and a.summary and a.body_html
        for a in db.session.scalars(select(Article))
    )


def test_demo_accounts_cannot_log_in(seeded):
    users = db.session.scalars(select(User)).all()
    assert {u.display_name for u in users} == {
        "管理员",
        "林清",
        "陈小雨",
        "周远航",
        "老王说财经",
    }
    assert all(u.active is False and u.password_hash is None for u in users)


def test_demo_settings(seeded):
    assert get_setting("site.name") == "资源分享网"
    assert get_setting("site.description")
    assert "ICP" in get_setting("site.footer")


def test_a_second_run_changes_nothing(seeded):
    before = snapshot()
    assert seed_demo() == (
        "demo: 0 article(s) and 0 setting(s) added; 0 page(s) and 0 menu link(s) added"
    )
    assert snapshot() == before


def test_settings_changed_by_the_owner_are_kept(ctx):
    set_setting("site.name", "我的站")
    seed_demo()
    db.session.expire_all()
    current_settings()
    assert get_setting("site.name") == "我的站"
    assert db.session.get(Setting, "site.description") is not None


def test_a_partly_seeded_site_is_completed(seeded):
    victim = db.session.scalar(
        select(Article).where(Article.public_id != REFERENCE_PUBLIC_ID)
    )
    title = victim.title
    db.session.delete(victim)
    db.session.commit()
    assert count(Article) == 48
    assert seed_demo().startswith("demo: 1 article(s)")
    assert count(Article) == 49
    assert (
        db.session.scalar(select(Article.id).where(Article.title == title)) is not None
    )


def test_site_is_empty(ctx):
    assert site_is_empty() is True
    seed_demo()
    assert site_is_empty() is False


def test_the_demo_has_its_pages_menu_friend_links_and_tip_box(seeded, app):
    assert "4 page(s)" in seeded
    client = app.test_client()

    home = client.get("/").get_data(as_text=True)
    about = client.get("/page/about/")
    article = client.get(f"/{REFERENCE_PUBLIC_ID}.html").get_data(as_text=True)

    assert about.status_code == 200 and "关于我们" in about.get_data(as_text=True)
    assert 'class="site-menu"' in home and "/page/about/" in home
    assert 'class="friend-links"' in home
    assert 'data-pay="wechat"' in article and 'data-pay="alipay"' in article
    guestbook = client.get("/page/guestbook/").get_data(as_text=True)
    assert "暂无评论" in guestbook and 'id="comment-form"' in guestbook


def test_the_related_lists_are_the_settled_ones(ctx):
    """Seeding ends with the lists a full recompute gives, whatever the order
    of publication: the same on every new demo site. (Seeded here, not
    copied: a copy's lists were made with the segmenter's dictionary as it
    was then, and other tests of the process teach it their tags' names.)"""
    from cms.models import RelatedArticle
    from cms.services.related.lists import rebuild_all

    seed_demo()
    db.session.expire_all()

    def lists() -> list[tuple[int, int, int]]:
        rows = db.session.execute(
            select(
                RelatedArticle.article_id,
                RelatedArticle.position,
                RelatedArticle.related_id,
            ).order_by(RelatedArticle.article_id, RelatedArticle.position)
        )
        return [tuple(row) for row in rows]

    seeded_lists = lists()
    rebuild_all()

    assert seeded_lists == lists()
    reference = db.session.scalar(
        select(Article.id).where(Article.public_id == REFERENCE_PUBLIC_ID)
    )
    assert sum(1 for row in seeded_lists if row[0] == reference) == 6
