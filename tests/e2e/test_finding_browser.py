"""The ways to find more to read, in Chromium: the phone header stays one
line (under 80 px) with nine menu links folded behind a button that works
without JavaScript; the sidebar sits beside the content at 1280 px and below
it at 360 px; 相关推荐 lists six debt-collection articles; the header search
finds 催收 with the word highlighted."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.e2e.support import (
    DESKTOP,
    PHONE,
    REFERENCE_PATH,
    require_browser,
)

require_browser()
pytestmark = pytest.mark.browser
SHOTS = os.environ.get("CMS_E2E_SHOTS")
NINE = ["首页", "催收与逾期", "信用卡与贷款", "电商运营", "手机数码", "家常菜谱",
        "旅行攻略", "健康养生", "法律常识"]  # fmt: skip


class _Deferred:
    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def nine_links_server(tmp_path_factory):
    """The demo site with a header menu of exactly nine links."""
    from cms.extensions import db
    from cms.models import Menu, MenuItem
    from cms.services.menus import add_item
    from tests.e2e.conftest import _build_app

    database = tmp_path_factory.mktemp("finding-db") / "cms.sqlite"
    wsgi = _Deferred()
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    origin = f"http://127.0.0.1:{server.server_port}"
    app, _ = _build_app(database, origin)
    with app.app_context():
        from cms.models import Role
        from tests.factories import make_user

        admin = make_user("menu-admin", role=Role.ADMIN)
        db.session.execute(db.delete(MenuItem).where(MenuItem.menu == Menu.HEADER))
        db.session.commit()
        for i, label in enumerate(NINE):
            add_item("header", "url", admin, url=f"/?menu={i}", label=label)
        db.session.remove()
    wsgi.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield origin
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def context_for(browser):
    made = []

    def make(viewport, javascript=True):
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", java_script_enabled=javascript,
            color_scheme="light",
        )  # fmt: skip
        context.set_default_timeout(10_000)
        made.append(context)
        return context.new_page()

    yield make
    for context in made:
        context.close()


def test_the_phone_header_is_one_line_and_its_button_works_without_javascript(
    context_for, nine_links_server
):
    page = context_for(PHONE, javascript=False)
    page.goto(nine_links_server + REFERENCE_PATH)
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 80
    links = page.locator(".site-menu a")
    assert links.count() == 9
    assert not links.first.is_visible()
    assert not page.locator("#header-q").is_visible()
    _shot(page, "phone-header-closed")
    page.click(".nav-button")
    assert all(links.nth(i).is_visible() for i in range(9))
    assert page.locator("#header-q").is_visible()
    assert page.locator(".site-header").bounding_box()["height"] < 80  # type: ignore[index]
    _shot(page, "phone-header-open")
    page.fill("#header-q", "催收")
    page.press("#header-q", "Enter")
    page.wait_for_url("**/search?q=*")
    assert page.locator(".search-results mark").first.inner_text() == "催收"


def test_desktop_sidebar_beside_the_article_and_related_list(
    context_for, nine_links_server
):
    page = context_for(DESKTOP)
    page.goto(nine_links_server + REFERENCE_PATH)
    main = page.locator("main#main").bounding_box()
    aside = page.locator(".site-sidebar").bounding_box()
    assert main and aside
    assert aside["x"] >= main["x"] + main["width"] - 1  # beside, on the right
    assert aside["y"] < main["y"] + 200
    for heading in ("热门文章", "最新评论", "标签", "归档"):
        assert page.locator(".site-sidebar h2", has_text=heading).count() == 1
    # The sidebar flows with the page: no scroll area of its own that would
    # hide its lower boxes (归档) below the screen's height.
    assert page.eval_on_selector(
        ".site-sidebar", "e => e.scrollHeight <= e.clientHeight + 1"
    )
    page.locator(".site-sidebar h2", has_text="归档").scroll_into_view_if_needed()
    assert page.locator(".side-archive li").count() == 3  # the demo's months
    assert all(page.locator(".side-archive li").nth(i).is_visible() for i in range(3))
    items = page.locator(".related li")
    assert items.count() == 6
    text = page.locator(".related").inner_text()
    assert text.count("催收") + text.count("催付") >= 6
    assert page.locator("#header-q").is_visible()
    _shot(page, "desktop-article")


def test_phone_sidebar_below_the_content(context_for, nine_links_server):
    page = context_for(PHONE)
    page.goto(nine_links_server + "/")
    main = page.locator("main#main").bounding_box()
    aside = page.locator(".site-sidebar").bounding_box()
    assert main and aside
    assert aside["y"] >= main["y"] + main["height"] - 1
    for heading in ("热门文章", "最新评论", "标签", "归档"):
        assert page.locator(".site-sidebar h2", has_text=heading).count() == 1
    _shot(page, "phone-home")


def test_desktop_search_highlights_and_home_has_the_sidebar(
    context_for, nine_links_server
):
    page = context_for(DESKTOP)
    page.goto(nine_links_server + "/")
    _shot(page, "desktop-home")
    page.fill("#header-q", "催收")
    page.press("#header-q", "Enter")
    page.wait_for_url("**/search?q=*")
    marks = page.locator(".search-results mark")
    assert marks.count() >= 3
    _shot(page, "desktop-search")
