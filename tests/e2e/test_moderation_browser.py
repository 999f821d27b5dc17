"""The comment queue in a real browser: an editor logs in, approves a held
comment with the keyboard (j, a), sees it on the article page, undoes it (u)
and sees it gone again. Also: axe finds nothing serious on the queue, and
screenshots at desktop and phone widths for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from cms.services.reasons import reason
from tests.conftest import PASSWORD
from tests.e2e.support import (
    AXE_JS,
    DESKTOP,
    log_in,
    own_site,
    require_browser,
    serious_axe_violations,
)

require_browser()
pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

PHONE_390 = {"width": 390, "height": 844}


@dataclass(frozen=True)
class ModerationSite:
    """A live server whose database the test reaches, with one held comment."""

    origin: str
    app: object
    article_path: str
    held_id: int

    def url(self, path: str) -> str:
        return self.origin + path


def _seed():
    """An article with a thread, and a queue that looks like a real one."""
    from cms.models import Role, utcnow
    from cms.services.settings import set_setting
    from tests.factories import make_article, make_user
    from tests.moderation.helpers import add_comment

    set_setting("site.name", "资源分享网")
    make_user(username="editor", role=Role.EDITOR, display_name="李编辑",
              password=PASSWORD)  # fmt: skip
    article = make_article(
        title="信用卡逾期后如何与银行协商还款",
        owner=make_user(username="writer", display_name="王小明", password=None),
    )
    now = utcnow()
    parent = add_comment(
        article, status="approved", author_name="老读者", created_at=now
        - timedelta(days=2), author_email="old@example.cn",
        body="协商的时候一定要保留通话录音。",
    )  # fmt: skip
    add_comment(article, status="approved", author_email="zhao@example.cn",
                author_name="赵六", created_at=now - timedelta(days=1))  # fmt: skip
    add_comment(
        article,
        author_name="推广小王",
        author_email="ad@spam.example",
        author_url="https://spam.example/shop",
        ip="198.51.100.23",
        body="加微信 abc123 领取内部渠道，http://a.example http://b.example",
        reasons=[reason("links", count=2), reason("held_word", rule="加微信")],
        created_at=now - timedelta(hours=5),
    )
    add_comment(
        article, parent=parent, author_name="张三", author_email="zhang@example.cn",
        body="同意楼上。另外记得要书面的分期协议，口头承诺不算数。",
        reasons=[reason("first_comment")], created_at=now - timedelta(hours=2),
    )  # fmt: skip
    held = add_comment(
        article,
        author_name="李四",
        author_email="lisi@example.cn",
        author_url="javascript:alert(1)",
        ip="203.0.113.9",
        body="请问停息挂账需要准备哪些材料？<script>alert(1)</script>\n\n谢谢！",
        reasons=[reason("first_comment"), reason("too_fast")],
        created_at=now - timedelta(minutes=3),
    )
    return article, held


@pytest.fixture
def moderation_site(tmp_path) -> Iterator[ModerationSite]:
    """A server of its own (the test checks its database), CSRF on."""
    database = tmp_path / "moderation.sqlite"
    with own_site(database, _seed, WTF_CSRF_ENABLED=True) as (origin, app, seeded):
        article, held = seeded
        yield ModerationSite(origin, app, f"/{article.public_id}.html", held.id)


@pytest.fixture
def context(browser, moderation_site):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    own = moderation_site.origin + "/"
    context.route(
        lambda url: not url.startswith(own),
        lambda route: route.abort("blockedbyclient"),
    )
    yield context
    context.close()


def _status(site: ModerationSite, comment_id: int) -> str:
    from cms.extensions import db
    from cms.models import Comment

    with site.app.app_context():
        status = db.session.get(Comment, comment_id).status.value
        db.session.remove()
        return status


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.evaluate("window.scrollTo(0, 0)")  # sticky bars where a person sees them
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(PNG_MAGIC)
    assert path.stat().st_size > 10_000, f"{path} looks blank"


def test_approve_with_the_keyboard_then_undo(moderation_site, context):
    site = moderation_site
    queue = context.new_page()
    log_in(queue, site.origin, "editor", "/moderation/comments")
    reader = context.new_page()
    reader.goto(site.url(site.article_path))
    assert reader.locator(f"#comment-{site.held_id}").count() == 0

    # Newest first: the held comment is the first row; j makes it current.
    queue.keyboard.press("j")
    current = queue.locator(".queue-row.is-current")
    assert current.get_attribute("data-id") == str(site.held_id)
    assert queue.evaluate("document.activeElement.dataset.id") == str(site.held_id)
    _shot(queue, "moderation-current-row.png")
    with queue.expect_navigation():
        queue.keyboard.press("a")

    assert "已批准 1 条评论" in queue.locator(".flashes").inner_text()
    assert _status(site, site.held_id) == "approved"
    assert queue.locator(f"#row-{site.held_id}").count() == 0
    reader.reload()
    held = reader.locator(f"#comments #comment-{site.held_id}")
    assert held.count() == 1
    assert "停息挂账" in held.inner_text()
    assert "<script>" in held.locator(".comment-text").inner_text()  # as text

    assert queue.locator("#undo-form").is_visible()
    with queue.expect_navigation():
        queue.keyboard.press("u")

    assert "已撤销" in queue.locator(".flashes").inner_text()
    assert _status(site, site.held_id) == "pending"
    assert queue.locator(f"#row-{site.held_id}").count() == 1
    reader.reload()
    assert reader.locator(f"#comment-{site.held_id}").count() == 0


def test_spam_and_trash_keys_act_on_the_current_row(moderation_site, context):
    site = moderation_site
    page = context.new_page()
    log_in(page, site.origin, "editor", "/moderation/comments")

    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("s")
    assert _status(site, site.held_id) == "spam"
    # back on the queue, the same position is current: now the next comment
    current = page.locator(".queue-row.is-current")
    next_id = int(current.get_attribute("data-id"))
    assert next_id != site.held_id
    with page.expect_navigation():
        page.keyboard.press("t")
    assert _status(site, next_id) == "trash"
    assert _status(site, site.held_id) == "spam"


def test_keys_are_ignored_while_typing_and_help_opens(moderation_site, context):
    site = moderation_site
    page = context.new_page()
    log_in(page, site.origin, "editor", "/moderation/comments")

    page.keyboard.press("j")
    page.keyboard.press("r")  # opens the current row's reply box, focused
    textarea = page.locator(f"#reply-{site.held_id}")
    assert textarea.is_visible()
    assert page.evaluate("document.activeElement.id") == f"reply-{site.held_id}"
    page.keyboard.type("as")  # typed, not approve + spam
    assert textarea.input_value() == "as"
    assert _status(site, site.held_id) == "pending"

    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("x")
    assert page.locator(f"#check-{site.held_id}").is_checked()
    page.keyboard.press("?")
    assert page.locator("#kbd-help").is_visible()
    _shot(page, "moderation-help.png")
    page.keyboard.press("Escape")
    assert not page.locator("#kbd-help").is_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_queue_has_no_serious_accessibility_violations(
    moderation_site, context, scheme
):
    if not AXE_JS.exists():
        pytest.skip("node_modules/axe-core is missing: run `npm ci`")
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    log_in(page, moderation_site.origin, "editor", "/moderation/comments")
    page.locator("details.row-reply").first.locator("summary").click()
    bad = serious_axe_violations(page)

    assert not bad, "\n".join(bad)


def test_screenshots_of_the_queue_and_dashboard(moderation_site, context):
    page = context.new_page()
    log_in(page, moderation_site.origin, "editor", "/moderation/comments")
    _shot(page, "moderation-queue-1280.png")
    with page.expect_navigation():  # an action, for the dashboard's log
        page.locator(".queue-row").last.locator("button[value=spam]").click()
    page.goto(moderation_site.url("/moderation/"))
    _shot(page, "moderation-dashboard-1280.png")
    page.set_viewport_size(PHONE_390)
    page.goto(moderation_site.url("/moderation/comments"))
    page.locator("details.row-ban").first.locator("summary").click()
    _shot(page, "moderation-queue-390.png")
    page.emulate_media(color_scheme="dark")
    page.goto(moderation_site.url("/moderation/comments?status=pending"))
    _shot(page, "moderation-queue-390-dark.png")
