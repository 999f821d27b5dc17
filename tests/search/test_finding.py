"""The ways to find more to read: the header's search box on every public
page, the 404 page's search, the sidebar's kept digests (热门, 最新评论, tags,
归档) following changes, and the archive pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from cms.extensions import db
from cms.models import ArticleStatus, Digest, Role
from cms.services import digests, editorial
from cms.services.article_edits import ArticleEdit
from tests.factories import make_article, make_comment, make_user


def _kept(name):
    row = db.session.get(Digest, name)
    return json.loads(row.data) if row else []


def test_every_public_page_has_the_search_box_and_the_404_offers_one(app, client):
    with app.app_context():
        article = make_article("催收话术", "正文", tags=("催收",))
        paths = ["/", f"/{article.public_id}.html", "/archive/", "/search?q=x",
                 "/tag/cui-shou/"]  # fmt: skip
    for path in paths:
        html = client.get(path).get_data(as_text=True)
        assert 'role="search"' in html and 'action="/search"' in html, path
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert missing.get_data(as_text=True).count('role="search"') == 2


def test_the_phone_menu_button_needs_no_script(client):
    html = client.get("/").get_data(as_text=True)
    assert '<input type="checkbox" id="nav-toggle"' in html
    assert '<label for="nav-toggle" class="nav-button"' in html


def test_digests_follow_publishing_and_unpublishing_in_the_transaction(ctx):
    owner = make_user("writer", role=Role.EDITOR)
    when = datetime(2024, 12, 11, 1, 5, tzinfo=UTC)  # 09:05 in Shanghai
    a = make_article("第一篇", "正文", owner=owner, published_at=when, tags=("催收",))
    make_article("第二篇", "正文", owner=owner, published_at=when + timedelta(days=40),
                 tags=("催收", "征信"), view_count=50)  # fmt: skip
    make_article("草稿", "正文", owner=owner, status=ArticleStatus.DRAFT, tags=("草",))
    assert _kept("archive") == [
        {"year": 2025, "month": 1, "count": 1},
        {"year": 2024, "month": 12, "count": 1},
    ]
    assert {t["name"]: t["count"] for t in _kept("tags")} == {"催收": 2, "征信": 1}
    assert [h["title"] for h in _kept("hot")] == ["第二篇", "第一篇"]
    editorial.save(owner, a.id, ArticleEdit(a.title, a.body_markdown), a.version,
                   "unpublish")  # fmt: skip
    assert _kept("archive") == [{"year": 2025, "month": 1, "count": 1}]
    assert {t["name"]: t["count"] for t in _kept("tags")} == {"催收": 1, "征信": 1}
    assert [h["title"] for h in _kept("hot")] == ["第二篇"]


def test_latest_comments_are_the_approved_ones_newest_first(ctx):
    article = make_article("有评论的文章", "正文")
    make_comment(article, body="第一条评论")
    make_comment(article, body="待审核的评论", status="pending")
    newest = make_comment(article, body="第二条评论")
    kept = _kept("comments")
    assert [c["text"] for c in kept] == ["第二条评论", "第一条评论"]
    assert kept[0]["id"] == newest.id
    assert kept[0]["public_id"] == article.public_id


def test_the_sidebar_shows_the_digests_with_links_to_their_place(app, client):
    with app.app_context():
        article = make_article("有评论的文章", "正文", tags=("催收",), view_count=7)
        comment = make_comment(article, body="说得好")
        public_id = article.public_id
    html = client.get("/").get_data(as_text=True)
    aside = html.split('<aside class="site-sidebar"', 1)[1].split("</aside>", 1)[0]
    assert "热门文章" in aside and "阅读 7" in aside
    assert f'href="/{public_id}.html#comment-{comment.id}"' in aside
    assert "说得好" in aside
    assert 'href="/tag/cui-shou/"' in aside
    assert "归档" in aside


def test_the_sidebar_says_when_there_are_no_comments_yet(app, client):
    with app.app_context():
        article = make_article("没有评论的文章", "正文")
        make_comment(article, body="待审核的评论", status="pending")
    html = client.get("/").get_data(as_text=True)
    aside = html.split('<aside class="site-sidebar"', 1)[1].split("</aside>", 1)[0]
    assert "最新评论" in aside and "还没有评论" in aside
    assert "待审核的评论" not in aside


def test_the_archive_lists_months_and_a_month_lists_its_articles(app, client):
    with app.app_context():
        when = datetime(2024, 12, 10, 20, 0, tzinfo=UTC)  # 12-11 04:00 in Shanghai
        make_article("十二月的文章", "正文", published_at=when)
        make_article("一月的文章", "正文", published_at=when + timedelta(days=30))
    html = client.get("/archive/").get_data(as_text=True)
    assert "2024 年" in html and "2025 年" in html
    assert 'href="/archive/2024/12/"' in html
    month = client.get("/archive/2024/12/").get_data(as_text=True)
    assert "归档：2024 年 12 月" in month
    listed = month.split('<section class="article-list"', 1)[1].split("</section>")[0]
    assert "十二月的文章" in listed and "一月的文章" not in listed
    assert client.get("/archive/2024/13/").status_code == 404


def test_the_tick_refreshes_most_read(ctx):
    from cms.services.jobs import run_due_jobs

    make_article("冷门", "正文", view_count=1)
    hot = make_article("热门", "正文", view_count=2)
    db.session.execute(
        db.update(type(hot)).where(type(hot).id == hot.id).values(view_count=99)
    )
    db.session.commit()
    assert "sidebar-digests" in run_due_jobs()
    assert [h["title"] for h in _kept("hot")][0] == "热门"
    assert digests.sidebar()["hot"][0]["views"] == 99
