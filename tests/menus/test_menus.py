"""Editing the header menu and the friend links through the area, and what
readers see of them."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, event, func, select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import AuditEntry, Category, Menu, MenuItem
from cms.services import menus as service
from cms.services.errors import InvalidInput, NotAllowed
from cms.services.pages import delete_page, trash_page
from tests.menus.conftest import (
    footer_links,
    header_links,
    parse,
    stored,
    user_named,
)


def add(client, **data):
    return client.post("/moderation/menus", data={"menu": "header"} | data)


def test_category_page_and_url_links_with_default_labels(
    app, staff, client, category, add_page
):
    about = add_page("关于我们", "about")

    assert add(staff, kind="category", category_id=category).status_code == 303
    assert add(staff, kind="page", page_id=about, label="关于本站").status_code == 303
    response = add(staff, kind="url", url="https://example.com/docs", label="文档")

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/menus#menu-header"
    with app.app_context():
        assert stored(Menu.HEADER) == [
            (0, "", "", category, None),
            (1, "关于本站", "", None, about),
            (2, "文档", "https://example.com/docs", None, None),
        ]
        actions = select(AuditEntry.action).order_by(AuditEntry.id)
        assert db.session.scalars(actions).all() == [
            "page-create", "menu-add", "menu-add", "menu-add",
        ]  # fmt: skip
    assert header_links(client) == [
        ("理财", "/category/li-cai/"),
        ("关于本站", "/page/about/"),
        ("文档", "https://example.com/docs"),
    ]
    soup = parse(client.get("/"))
    external = soup.select_one("nav.site-menu a[href^='https://example.com']")
    assert external["target"] == "_blank" and external["rel"] == ["noopener"]
    assert (
        soup.select_one("nav.site-menu a[href='/category/li-cai/']").get("target")
        is None
    )


def test_a_category_label_follows_its_name(app, staff, client, category):
    add(staff, kind="category", category_id=category)
    with app.app_context(), write_transaction():
        db.session.get(Category, category).name = "理财知识"
    assert header_links(client) == [("理财知识", "/category/li-cai/")]


def test_site_paths_and_own_host_are_not_external(app, staff, client):
    add(staff, kind="url", url="/search?q=理财", label="搜索")
    add(staff, kind="url", url="http://cms.test/feed.xml", label="订阅")
    soup = parse(client.get("/"))
    assert [a.get("target") for a in soup.select("nav.site-menu a")] == [None, None]


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "//evil.test", "ftp://x", "/\\evil.test",
            "https://", "example.com", " ", "http://a b", "data:text/html,x"],
)  # fmt: skip
def test_bad_urls_are_refused_and_nothing_stored(app, staff, url):
    response = add(staff, kind="url", url=url, label="坏链接")

    assert response.status_code == 400
    soup = parse(response)
    assert soup.select_one("#header-url-error") is not None
    assert soup.select_one("#header-label")["value"] == "坏链接"
    with app.app_context():
        assert stored(Menu.HEADER) == []
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_a_url_link_needs_a_label_and_a_target_is_needed(app, staff):
    assert add(staff, kind="url", url="https://example.com/").status_code == 400
    assert add(staff, kind="category", category_id="").status_code == 400
    assert add(staff, kind="page", page_id="999").status_code == 400
    assert add(staff, kind="other").status_code == 400
    with app.app_context():
        assert stored(Menu.HEADER) == []


def test_friend_links_need_a_label_and_an_absolute_url(app, staff, client):
    for data in ({"label": "", "url": "https://example.com/"},
                 {"label": "站内", "url": "/page/about/"},
                 {"label": "坏", "url": "javascript:alert(1)"}):  # fmt: skip
        response = staff.post("/moderation/menus", data={"menu": "friends"} | data)
        assert response.status_code == 400, data
    # a forged kind is ignored: friend links are URLs
    forged = {"kind": "category", "label": "示例", "url": "https://example.org/"}
    staff.post("/moderation/menus", data={"menu": "friends"} | forged)
    plain = {"label": "示例二", "url": "https://example.net/"}
    staff.post("/moderation/menus", data={"menu": "friends"} | plain)
    with app.app_context():
        assert [row[1:3] for row in stored(Menu.FRIENDS)] == [
            ("示例", "https://example.org/"), ("示例二", "https://example.net/"),
        ]  # fmt: skip
    assert footer_links(client) == [
        ("示例", "https://example.org/"), ("示例二", "https://example.net/"),
    ]  # fmt: skip
    assert header_links(client) == []


def _three(staff) -> list[int]:
    for label in ("一", "二", "三"):
        add(staff, kind="url", url=f"/{label}", label=label)
    return list(db.session.scalars(select(MenuItem.id).order_by(MenuItem.position)))


def test_moving_changes_the_order_in_the_header(app, staff, client):
    with app.app_context():
        one, two, three = _three(staff)

    assert (
        staff.post(
            f"/moderation/menus/{three}/move", data={"direction": "up"}
        ).status_code
        == 303
    )
    assert [label for label, _ in header_links(client)] == ["一", "三", "二"]

    assert (
        staff.post(
            f"/moderation/menus/{one}/move", data={"direction": "down"}
        ).status_code
        == 303
    )
    assert [label for label, _ in header_links(client)] == ["三", "一", "二"]

    # at either end nothing changes
    assert (
        staff.post(
            f"/moderation/menus/{three}/move", data={"direction": "up"}
        ).status_code
        == 303
    )
    assert (
        staff.post(
            f"/moderation/menus/{two}/move", data={"direction": "down"}
        ).status_code
        == 303
    )
    assert [label for label, _ in header_links(client)] == ["三", "一", "二"]
    with app.app_context():
        assert [row[:2] for row in stored(Menu.HEADER)] == [
            (0, "三"),
            (1, "一"),
            (2, "二"),
        ]
        moves = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "menu-move")
        ).all()
        assert len(moves) == 2
        assert moves[0].changes == {
            str(three): {"from": 2, "to": 1},
            str(two): {"from": 1, "to": 2},
        }
    assert (
        staff.post(
            f"/moderation/menus/{one}/move", data={"direction": "sideways"}
        ).status_code
        == 400
    )
    assert (
        staff.post("/moderation/menus/999/move", data={"direction": "up"}).status_code
        == 404
    )


def test_the_area_lists_both_menus_in_order(app, staff):
    with app.app_context():
        _three(staff)
    staff.post(
        "/moderation/menus",
        data={"menu": "friends", "label": "友站", "url": "https://example.org/"},
    )

    soup = parse(staff.get("/moderation/menus"))

    header = soup.select("#menu-header .menu-row .menu-label")
    assert [label.get_text() for label in header] == ["一", "二", "三"]
    assert [
        label.get_text() for label in soup.select("#menu-friends .menu-row .menu-label")
    ] == ["友站"]
    first = soup.select("#menu-header .menu-row")[0]
    assert first.select_one("input[value=up] + button").has_attr("disabled")


def test_updating_a_label_and_url(app, staff, client, category):
    add(staff, kind="url", url="/old", label="旧")
    add(staff, kind="category", category_id=category, label="自定义")
    with app.app_context():
        url_item, cat_item = db.session.scalars(
            select(MenuItem.id).order_by(MenuItem.position)
        ).all()

    assert (
        staff.post(
            f"/moderation/menus/{url_item}",
            data={"label": "新", "url": "https://example.com/"},
        ).status_code
        == 303
    )
    assert (
        staff.post(
            f"/moderation/menus/{cat_item}", data={"label": "", "url": "javascript:x"}
        ).status_code
        == 303
    )
    bad = staff.post(
        f"/moderation/menus/{url_item}",
        data={"label": "新", "url": "javascript:alert(1)"},
    )

    assert bad.status_code == 400
    soup = parse(bad)
    assert soup.select_one(f"#item-{url_item}-url")["value"] == "javascript:alert(1)"
    assert soup.select_one(f"#item-{url_item}-url-error") is not None
    assert header_links(client) == [
        ("新", "https://example.com/"),
        ("理财", "/category/li-cai/"),
    ]
    with app.app_context():
        assert "menu-update" in db.session.scalars(select(AuditEntry.action)).all()


def test_deleting_a_link_closes_the_gap(app, staff, client):
    with app.app_context():
        one, two, three = _three(staff)

    assert staff.post(f"/moderation/menus/{two}/delete").status_code == 303

    assert [label for label, _ in header_links(client)] == ["一", "三"]
    with app.app_context():
        assert [row[:2] for row in stored(Menu.HEADER)] == [(0, "一"), (1, "三")]
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "menu-delete")
        )
        assert entry.target_ids == [two] and entry.target_type == "menu_item"
    assert staff.post(f"/moderation/menus/{two}/delete").status_code == 404


def test_links_to_unpublished_pages_are_hidden(app, staff, client, editor, add_page):
    draft = add_page("筹备中", "soon", publish=False)
    live = add_page("关于我们", "about")
    add(staff, kind="page", page_id=draft)
    add(staff, kind="page", page_id=live)

    assert header_links(client) == [("关于我们", "/page/about/")]
    soup = parse(staff.get("/moderation/menus"))
    assert "页面未发布" in soup.select("#menu-header .menu-row")[0].get_text()

    with app.app_context():
        trash_page(live, user_named(editor))
    assert header_links(client) == []


def test_deleting_a_page_for_good_removes_its_link(
    app, staff, client, editor, add_page
):
    page = add_page("关于我们", "about")
    add(staff, kind="page", page_id=page)
    add(staff, kind="url", url="/x", label="其他")

    with app.app_context():
        actor = user_named(editor)
        trash_page(page, actor)
        delete_page(page, actor)
        assert [row[1] for row in stored(Menu.HEADER)] == ["其他"]


def test_deleting_a_category_removes_its_link(app, staff, category):
    add(staff, kind="category", category_id=category)
    add(staff, kind="url", url="/x", label="其他")

    with app.app_context():
        with write_transaction():  # at the database level: the FK cascades
            db.session.execute(delete(Category).where(Category.id == category))
        assert [row[1] for row in stored(Menu.HEADER)] == ["其他"]


def test_the_menus_cost_one_query_then_none_while_kept(
    app, client, staff, category, add_page
):
    about = add_page("关于我们", "about")
    add(staff, kind="category", category_id=category)
    add(staff, kind="page", page_id=about)
    staff.post(
        "/moderation/menus",
        data={"menu": "friends", "label": "友站", "url": "https://example.org/"},
    )
    reader = app.test_client()
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "menu_items" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    app.config["MENU_CACHE_SECONDS"] = 60
    event.listen(engine, "before_cursor_execute", count)
    try:
        for path, queries in (("/", 1), ("/page/about/", 0), ("/", 0)):
            statements.clear()
            soup = parse(reader.get(path))
            assert len(soup.select("nav.site-menu a")) == 2
            assert len(soup.select("nav.friend-links a")) == 1
            assert len(statements) == queries, path
        # a change through the service is shown at once in this process
        staff.post(
            "/moderation/menus",
            data={"menu": "friends", "label": "又一个", "url": "https://example.net/"},
        )
        soup = parse(reader.get("/"))
        assert len(soup.select("nav.friend-links a")) == 2
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_service_refuses_a_contributor(app, contributor):
    with app.app_context():
        actor = user_named(contributor)
        item = service.add_item(Menu.HEADER, "url", None, url="/x", label="x")
        for call in (
            lambda: service.add_item("header", "url", actor, url="/y", label="y"),
            lambda: service.update_item(item.id, actor, "z", "/z"),
            lambda: service.move_item(item.id, "down", actor),
            lambda: service.delete_item(item.id, actor),
        ):
            with pytest.raises(NotAllowed):
                call()
        assert stored(Menu.HEADER) == [(0, "x", "/x", None, None)]


def test_contributors_get_403(app, client, login, contributor):
    with app.app_context():
        item = service.add_item(Menu.HEADER, "url", None, url="/x", label="x")
    login(contributor)
    assert client.get("/moderation/menus").status_code == 403
    assert add(client, kind="url", url="/y", label="y").status_code == 403
    assert (
        client.post(
            f"/moderation/menus/{item.id}", data={"label": "z", "url": "/z"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/moderation/menus/{item.id}/move", data={"direction": "down"}
        ).status_code
        == 403
    )
    assert client.post(f"/moderation/menus/{item.id}/delete").status_code == 403
    with app.app_context():
        assert stored(Menu.HEADER) == [(0, "x", "/x", None, None)]


def test_check_link_url():
    assert service.check_link_url(" https://example.com/a ") == "https://example.com/a"
    assert service.check_link_url("/page/about/") == "/page/about/"
    with pytest.raises(InvalidInput):
        service.check_link_url("/page/about/", absolute_only=True)
    with pytest.raises(InvalidInput):
        service.check_link_url("https://example.com/" + "a" * 600)


def test_a_kept_menu_follows_a_category_rename_at_once(app, staff, category):
    app.config["MENU_CACHE_SECONDS"] = 60
    add(staff, kind="category", category_id=category)
    reader = app.test_client()
    assert [a["href"] for a in parse(reader.get("/")).select("nav.site-menu a")] == [
        "/category/li-cai/"
    ]

    staff.post(
        f"/moderation/categories/{category}", data={"name": "投资理财", "slug": "touzi"}
    )

    links = parse(reader.get("/")).select("nav.site-menu a")
    assert [(a.get_text(), a["href"]) for a in links] == [
        ("投资理财", "/category/touzi/")
    ]
