"""Word rules in a real browser: the reader sees the demo's reference page
fixed by the default rules; an editor uses the test box and the dry run at
phone and desktop widths, with nothing wider than the screen and nothing
serious for axe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import (
    DESKTOP,
    PHONE,
    REFERENCE_PATH,
    log_in,
    own_site,
    require_browser,
    serious_axe_violations,
    shots_dir,
)

require_browser()
pytestmark = pytest.mark.browser


def test_the_reference_page_is_fixed_by_the_default_rules(page, live_server):
    page.goto(live_server.url(REFERENCE_PATH))
    body = page.locator("article").first.inner_text()

    assert "中国更大的第三方支付平台" in body
    assert "中国最大的" not in body
    assert "由银行内部开始第一遍催收" in body
    assert "之一遍" not in body
    assert "资金周转不灵" in body


def _seed():
    from cms.models import Role
    from cms.services.demo import seed_demo
    from tests.factories import make_user

    seed_demo()
    make_user(username="editor", role=Role.EDITOR, display_name="李编辑")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("words-db") / "cms.sqlite"
    with own_site(database, _seed) as (origin, _, _):
        yield origin


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_the_test_box_and_the_dry_run(browser, site, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    log_in(page, site, "editor", "/moderation/wordrules")

    page.fill("#text", "中国最大的平台，开始第一遍催收。加 V 信：abc12345")
    page.select_option("#scope", "comments")
    with page.expect_navigation():
        page.click("section[aria-labelledby=wf-test-title] button[type=submit]")
    marks = page.locator(".wf-tested .wf-text .wf-mark")
    assert marks.count() >= 1
    assert "待审" in page.locator(".wf-tested").inner_text()
    page.fill("#phrase", "催收")
    with page.expect_navigation():
        page.click("button[name=dry_run]")
    dry = page.locator(".wf-dry").inner_text()
    assert "篇已发布文章" in dry

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert serious_axe_violations(page) == []
    folder = shots_dir()
    if folder is not None:
        page.screenshot(path=str(Path(folder) / f"wordrules-{viewport['width']}.png"),
                        full_page=True)  # fmt: skip
    context.close()
