"""The list: tabs with counts (one grouped query), search, author and category
filters, the columns, 20 a page; a contributor sees only their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, utcnow
from cms.services.taxonomy import category_named
from tests.factories import make_article, make_comment
from tests.posts.conftest import user_named
from tests.posts.support import parse


def tabs(soup) -> dict[str, int]:
    return {
        a["data-tab"]: int(a.select_one(".tab-count").get_text())
        for a in soup.select(".queue-tabs a")
    }


def titles(soup) -> list[str]:
    return [a.get_text() for a in soup.select(".post-edit-link")]


@pytest.fixture
def shelf(app, editor, contributor, write):
    """One article of every kind: published, scheduled, pending, draft and
    trashed, by two owners, in two categories."""
    with app.app_context():
        writer, staff = user_named(contributor), user_named(editor)
        with write_transaction():
            money, life = category_named("理财"), category_named("生活")
        make_article(title="已发布的理财文章", owner=staff, category="理财")
        make_article(
            title="定时的生活文章",
            owner=staff,
            category="生活",
            published_at=utcnow() + timedelta(days=2),
        )
        make_article(
            title="投稿的理财文章",
            owner=writer,
            category="理财",
            status=ArticleStatus.PENDING,
        )
        make_article(title="投稿者的草稿", owner=writer, status=ArticleStatus.DRAFT)
        make_article(title="编辑的草稿_100%", owner=staff, status=ArticleStatus.DRAFT)
        make_article(title="扔掉的文章", owner=staff, status=ArticleStatus.TRASH)
        return {
            "money": money.id,
            "life": life.id,
            "writer": writer.id,
            "staff": staff.id,
        }


def test_tabs_count_each_status(as_editor, shelf):
    soup = parse(as_editor.get("/moderation/posts"))
    assert [a.get_text(" ", strip=True) for a in soup.select(".queue-tabs a")] == [
        "全部 5",
        "已发布 1",
        "定时 1",
        "待审 1",
        "草稿 2",
        "回收站 1",
    ]
    assert soup.select_one(".queue-tabs a[aria-current=page]")["data-tab"] == "all"
    assert len(titles(soup)) == 5 and "扔掉的文章" not in titles(soup)


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("published", ["已发布的理财文章"]),
        ("scheduled", ["定时的生活文章"]),
        ("pending", ["投稿的理财文章"]),
        ("trash", ["扔掉的文章"]),
        ("nonsense", None),
    ],
)
def test_each_tab_lists_its_articles(as_editor, shelf, tab, expected):
    soup = parse(as_editor.get("/moderation/posts", query_string={"status": tab}))
    if expected is None:  # an unknown tab is 全部
        assert len(titles(soup)) == 5
    else:
        assert titles(soup) == expected


def test_the_counts_take_one_grouped_query(app, editor, shelf):
    from cms.services.post_list import PostFilter, tab_counts

    with app.app_context():
        user = user_named(editor)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            counts = tab_counts(user, PostFilter())
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1 and "GROUP BY" in statements[0]
    assert counts == {
        "all": 5,
        "published": 1,
        "scheduled": 1,
        "pending": 1,
        "draft": 2,
        "trash": 1,
    }


def test_search_in_titles(as_editor, shelf):
    soup = parse(as_editor.get("/moderation/posts", query_string={"q": "理财"}))
    assert sorted(titles(soup)) == sorted(["已发布的理财文章", "投稿的理财文章"])
    assert tabs(soup)["all"] == 2 and tabs(soup)["pending"] == 1
    # the tab links keep the search
    assert "q=" in soup.select_one("[data-tab=pending]")["href"]
    # % and _ are searched as themselves
    soup = parse(as_editor.get("/moderation/posts", query_string={"q": "_100%"}))
    assert titles(soup) == ["编辑的草稿_100%"]
    soup = parse(as_editor.get("/moderation/posts", query_string={"q": "%"}))
    assert titles(soup) == ["编辑的草稿_100%"]


def test_filters_by_author_and_category(as_editor, shelf):
    by_writer = parse(
        as_editor.get("/moderation/posts", query_string={"author": shelf["writer"]})
    )
    assert sorted(titles(by_writer)) == sorted(["投稿的理财文章", "投稿者的草稿"])
    authors = [o.get_text() for o in by_writer.select("select[name=author] option")]
    assert authors[0] == "全部作者" and len(authors) == 3

    in_life = parse(
        as_editor.get("/moderation/posts", query_string={"category": shelf["life"]})
    )
    assert titles(in_life) == ["定时的生活文章"]
    both = parse(
        as_editor.get(
            "/moderation/posts",
            query_string={"author": shelf["writer"], "category": shelf["money"]},
        )
    )
    assert titles(both) == ["投稿的理财文章"]
    junk = as_editor.get("/moderation/posts", query_string={"author": "abc"})
    assert junk.status_code == 200 and len(titles(parse(junk))) == 5


def test_a_contributor_sees_only_their_own(as_contributor, shelf):
    soup = parse(
        as_contributor.get("/moderation/posts", query_string={"author": shelf["staff"]})
    )
    assert soup.select_one("h1").get_text() == "我的投稿"
    assert sorted(titles(soup)) == sorted(["投稿的理财文章", "投稿者的草稿"])
    assert tabs(soup) == {
        "all": 2,
        "published": 0,
        "scheduled": 0,
        "pending": 1,
        "draft": 1,
        "trash": 0,
    }
    assert soup.select("select[name=author]") == []
    assert soup.select_one("a.btn[href='/moderation/posts/new']").get_text() == "写文章"


def test_the_columns(app, as_editor, editor):
    with app.app_context():
        article = make_article(
            title="有数据的文章",
            owner=user_named(editor),
            category="理财",
            contributor="投稿人甲",
        )
        make_comment(article)
        make_comment(article)
        with write_transaction():
            stored = db.session.get(Article, article.id)
            stored.view_count, stored.tip_opens = 321, 7
        public_id = article.public_id

    soup = parse(as_editor.get("/moderation/posts"))
    row = soup.select_one("tbody tr")
    cells = {
        td.get("data-label"): td.get_text(" ", strip=True) for td in row.select("td")
    }
    assert cells["阅读"] == "321" and cells["评论"] == "2" and cells["打赏关注"] == "7"
    assert cells["分类"] == "理财"
    assert cells["状态"] == "已发布"
    assert cells["作者"].startswith("editor-user") and "投稿人甲" in cells["作者"]
    assert cells["日期"].startswith("发布")
    assert row.select_one(".post-view-link")["href"] == f"/{public_id}.html"
    headers = [th.get_text() for th in soup.select("thead th")]
    assert headers == [
        "标题",
        "作者",
        "分类",
        "状态",
        "日期",
        "阅读",
        "评论",
        "打赏关注",
    ]


def test_twenty_a_page(app, as_editor, editor):
    with app.app_context():
        owner = user_named(editor)
        for n in range(23):
            make_article(title=f"第{n}篇", owner=owner, status=ArticleStatus.DRAFT)
    first = parse(as_editor.get("/moderation/posts?status=draft"))
    second = parse(as_editor.get("/moderation/posts?status=draft&page=2"))
    assert len(titles(first)) == 20 and len(titles(second)) == 3
    assert set(titles(first)).isdisjoint(titles(second))
    assert first.select_one(".pagination a[rel=next]")["href"].startswith(
        "/moderation/posts?page=2"
    )
    assert "status=draft" in first.select_one(".pagination a[rel=next]")["href"]
    beyond = as_editor.get("/moderation/posts?status=draft&page=9")
    assert beyond.status_code == 200 and titles(parse(beyond)) == []


def test_an_empty_list_says_so(as_contributor):
    soup = parse(as_contributor.get("/moderation/posts"))
    assert soup.select_one(".empty").get_text() == "这里还没有文章。"
