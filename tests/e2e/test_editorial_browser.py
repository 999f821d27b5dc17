"""The editorial workflow in a real browser: a contributor writes an article
(the live preview follows the typing) and submits it; an editor opens it
from the 待审 tab and publishes it from the editor; the home page shows it.
Screenshots of the editor at desktop and phone widths for a person to look
at (in /tmp/shots)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.e2e.support import (
    AXE_JS,
    DESKTOP,
    PHONE,
    log_in,
    own_site,
    require_browser,
    serious_axe_violations,
)

require_browser()
pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

TITLE = "信用卡分期还款前要算清的三笔账"


@dataclass(frozen=True)
class Site:
    origin: str
    app: object

    def url(self, path: str) -> str:
        return self.origin + path


def _seed():
    from cms.database import write_transaction
    from cms.models import Role
    from cms.services.settings import set_setting
    from cms.services.taxonomy import category_named
    from tests.factories import make_article, make_user

    set_setting("site.name", "资源分享网")
    make_user(username="editor", role=Role.EDITOR, display_name="李编辑",
              password=PASSWORD)  # fmt: skip
    make_user(username="writer", role=Role.CONTRIBUTOR, display_name="王小明",
              password=PASSWORD)  # fmt: skip
    with write_transaction():
        money = category_named("理财")
        category_named("信用卡", parent=money)
        category_named("生活")
    make_article(title="一篇早已发布的文章", owner=make_user(password=None))


@pytest.fixture
def site(tmp_path) -> Iterator[Site]:
    """A server of its own (the test reads its database), CSRF on, so the
    preview's header token is exercised too."""
    with own_site(tmp_path / "editorial.sqlite", _seed, WTF_CSRF_ENABLED=True) as (
        origin,
        app,
        _,
    ):
        yield Site(origin, app)


def _context(browser, site: Site, **options):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", **options)
    context.set_default_timeout(10_000)
    own = site.origin + "/"
    context.route(
        lambda url: not url.startswith(own),
        lambda route: route.abort("blockedbyclient"),
    )
    return context


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(PNG_MAGIC)
    assert path.stat().st_size > 10_000, f"{path} looks blank"


def _status(site: Site, title: str) -> str:
    from sqlalchemy import select

    from cms.extensions import db
    from cms.models import Article

    with site.app.app_context():
        article = db.session.scalar(select(Article).where(Article.title == title))
        status = article.status.value
        db.session.remove()
        return status


def test_contributor_submits_editor_publishes_home_shows_it(browser, site):
    writer_context = _context(browser, site)
    page = writer_context.new_page()
    log_in(page, site.origin, "writer", "/moderation/posts/new")

    page.fill("[name=title]", TITLE)
    page.select_option("[name=category]", label="　信用卡")
    page.fill("[name=tags]", "信用卡，分期、手续费")
    preview = page.locator(".md-preview")
    body = page.locator("textarea[name=body]")
    body.click()
    page.keyboard.type(
        "## 第一笔：手续费\n\n分期的**实际年化利率**往往是名义费率的近两倍。"
    )
    preview.locator("strong").wait_for()
    assert preview.locator("strong").inner_text() == "实际年化利率"
    assert preview.locator("h2").inner_text().startswith("第一笔：手续费")
    # typing more updates it again (debounced)
    page.keyboard.type("\n\n<script>window.hacked = 1</script>\n\n- 第二笔：违约金")
    preview.locator("li").wait_for()
    assert preview.locator("li").inner_text() == "第二笔：违约金"
    assert page.evaluate("window.hacked === undefined")
    assert preview.locator("script").count() == 0

    _shot(page, "posts-editor-1280.png")
    box_text = body.bounding_box()
    box_preview = preview.bounding_box()
    assert box_preview["x"] > box_text["x"] + box_text["width"] - 1  # side by side
    page.set_viewport_size(PHONE)
    _shot(page, "posts-editor-360.png")
    box_text = body.bounding_box()
    box_preview = preview.bounding_box()
    assert box_preview["y"] >= box_text["y"] + box_text["height"]  # below
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the editor scrolls sideways at 360 px"
    )
    page.set_viewport_size(DESKTOP)

    with page.expect_navigation():
        page.click("button[name=do][value=submit]")
    assert "已提交审核" in page.locator(".flashes").inner_text()
    assert page.locator("h1 .chip").inner_text() == "待审"
    assert _status(site, TITLE) == "pending"
    writer_context.close()

    editor_context = _context(browser, site)
    desk = editor_context.new_page()
    log_in(desk, site.origin, "editor", "/moderation/posts?status=pending")
    _shot(desk, "posts-list-1280.png")
    with desk.expect_navigation():
        desk.click(f".post-edit-link:text('{TITLE}')")
    assert desk.locator(".md-preview strong").inner_text() == "实际年化利率"
    tags = desk.locator("[name=tags]").input_value()
    assert set(tags.split("，")) == {"信用卡", "分期", "手续费"}
    with desk.expect_navigation():
        desk.click("button[name=do][value=publish]")
    assert "已发布" in desk.locator(".flashes").inner_text()
    assert _status(site, TITLE) == "published"

    desk.goto(site.url("/"))
    titles = desk.locator(".card-title a").all_inner_texts()
    assert titles[0] == TITLE
    with desk.expect_navigation():
        desk.click(f".card-title a:text('{TITLE}')")
    assert desk.locator(".post-body strong").inner_text() == "实际年化利率"
    editor_context.close()


def test_screenshots_of_the_revisions_and_a_diff(browser, site):
    context = _context(browser, site)
    page = context.new_page()
    log_in(page, site.origin, "editor", "/moderation/posts/new")
    page.fill("[name=title]", "版本对比示例")
    page.fill("textarea[name=body]", "第一段。\n\n第二段。\n\n第三段。")
    with page.expect_navigation():
        page.click("button[name=do][value=save]")
    page.fill("[name=title]", "版本对比示例（修订）")
    page.fill(
        "textarea[name=body]",
        "第一段。\n\n第二段，改过了。\n\n第三段。\n\n新增的第四段。",
    )
    page.fill("[name=tags]", "示例")
    with page.expect_navigation():
        page.click("button[name=do][value=save]")
    page.click("text=历史版本")
    page.wait_for_url("**/revisions")
    _shot(page, "posts-revisions-1280.png")
    with page.expect_navigation():
        page.click("text=比较所选的两个版本")
    assert page.locator("tr.diff-add").count() == 3
    _shot(page, "posts-diff-1280.png")
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size(PHONE)
    _shot(page, "posts-diff-360-dark.png")
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_posts_pages_have_no_serious_accessibility_violations(
    browser, site, scheme
):
    if not AXE_JS.exists():
        pytest.skip("node_modules/axe-core is missing: run `npm ci`")
    context = _context(browser, site)
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    log_in(page, site.origin, "editor", "/moderation/posts/new")
    page.fill("[name=title]", "无障碍检查")
    page.fill("textarea[name=body]", "第一段。\n\n第二段。")
    with page.expect_navigation():
        page.click("button[name=do][value=save]")
    page.fill("textarea[name=body]", "第一段。\n\n第二段，改了。")
    with page.expect_navigation():
        page.click("button[name=do][value=save]")
    editor_path = page.url.removeprefix(site.origin)
    bad = []
    for path in (
        editor_path,
        "/moderation/posts",
        f"{editor_path}/revisions",
        f"{editor_path}/diff",
    ):
        page.goto(site.url(path))
        bad += [f"{path} {line}" for line in serious_axe_violations(page)]
    context.close()
    assert not bad, "\n".join(bad)
