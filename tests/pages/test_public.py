"""/page/<slug>/: published pages only, with breadcrumbs, children, canonical
link and meta description."""

from __future__ import annotations

from tests.pages.conftest import parse


def test_a_published_page_is_shown(client, add_page):
    add_page(
        "关于我们", slug="about", body_markdown="我们是**资源分享网**。\n\n第二段。"
    )

    response = client.get("/page/about/")

    assert response.status_code == 200
    soup = parse(response)
    assert soup.select_one("h1.post-title").get_text() == "关于我们"
    assert soup.select_one(".post-body strong").get_text() == "资源分享网"
    assert soup.title.get_text().startswith("关于我们 - ")
    assert (
        soup.select_one("link[rel=canonical]")["href"] == "http://cms.test/page/about/"
    )
    assert (
        soup.select_one("meta[property='og:url']")["content"]
        == "http://cms.test/page/about/"
    )
    assert (
        soup.select_one("meta[name=description]")["content"]
        == "我们是资源分享网。 第二段。"
    )
    assert soup.select_one("#comments") is None


def test_drafts_and_trashed_pages_are_404(client, app, editor, add_page):
    add_page("草稿", slug="draft", publish=False)
    trashed = add_page("旧页面", slug="old")
    from cms.services.pages import trash_page
    from tests.pages.conftest import user_named

    with app.app_context():
        trash_page(trashed, user_named(editor))

    assert client.get("/page/draft/").status_code == 404
    assert client.get("/page/old/").status_code == 404
    assert client.get("/page/nothing/").status_code == 404


def test_breadcrumbs_show_the_published_ancestors(client, add_page):
    top = add_page("关于我们", slug="about")
    hidden = add_page("内部", slug="internal", parent_id=top, publish=False)
    add_page("团队", slug="team", parent_id=hidden)

    soup = parse(client.get("/page/team/"))

    crumbs = soup.select("nav.breadcrumbs li")
    assert [li.get_text(strip=True) for li in crumbs] == ["首页", "关于我们", "团队"]
    assert [a["href"] for a in soup.select("nav.breadcrumbs a")] == [
        "/",
        "/page/about/",
    ]
    assert crumbs[-1]["aria-current"] == "page"


def test_the_published_children_are_listed_in_order(client, add_page):
    top = add_page("关于我们", slug="about")
    add_page("团队", slug="team", parent_id=top, position=2)
    add_page("历史", slug="history", parent_id=top, position=1)
    add_page("愿景", slug="vision", parent_id=top, position=1)
    add_page("草稿", slug="draft", parent_id=top, publish=False)

    soup = parse(client.get("/page/about/"))

    links = soup.select(".page-children li > a")
    assert [(a.get_text(), a["href"]) for a in links] == [
        ("历史", "/page/history/"), ("愿景", "/page/vision/"), ("团队", "/page/team/"),
    ]  # fmt: skip


def test_a_page_without_children_has_no_list(client, add_page):
    add_page("关于我们", slug="about")
    assert parse(client.get("/page/about/")).select_one(".page-children") is None


def test_markdown_is_sanitised(client, add_page):
    add_page("脚本", slug="script", body_markdown="<script>alert(1)</script>\n\n正文")
    body = parse(client.get("/page/script/")).select_one(".post-body")
    assert body.select_one("script") is None
    assert "正文" in body.get_text()
