"""Reply notices in a real browser: a reader ticks 有人回复时用邮件通知我,
another replies, the notice arrives at a real SMTP server (aiosmtpd), and
its unsubscribe link works in the browser (GET shows, the button acts)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import DESKTOP, PHONE, own_site, require_browser

require_browser()
pytestmark = pytest.mark.browser

THREAD_RE = re.compile(r"^不再接收《.+?》下的回复提醒：(\S+)$", re.M)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_reply_notice_arrives_and_unsubscribing_works(
    browser, tmp_path, smtp_server, viewport
):
    from cms.extensions import db
    from cms.models import Comment
    from cms.services.outbox import deliver_due
    from cms.services.settings import set_setting
    from tests.factories import make_article, make_user

    def seed():
        for key, value in (("comments.min_submit_seconds", "0"),
                           ("comments.flood_seconds", "0"),
                           ("comments.hold_first", "false")):  # fmt: skip
            set_setting(key, value)
        owner = make_user(username="writer", password=None)
        return make_article(title="回复提醒测试", body="正文。", owner=owner)

    smtp_server.inbox.clear()
    config = {"MAIL_URL": smtp_server.url, "OUTBOX_THREAD": False}
    with own_site(tmp_path / "notice.sqlite", seed, **config) as (origin, app, art):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"{origin}/{art.public_id}.html")
        form = page.locator("form#comment-form")
        assert not form.locator("#notify").is_checked()  # off by default
        form.locator("[name=author]").fill("小李")
        form.locator("[name=email]").fill("xiaoli@example.cn")
        form.locator("[name=body]").fill("请问第二步怎么做？")
        form.locator("#notify").check()
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        parent = int(page.url.rsplit("#comment-", 1)[1])

        page.locator(f"#comment-{parent} a.reply-link").click()
        form.locator("[name=author]").fill("老王")
        form.locator("[name=email]").fill("laowang@example.cn")
        form.locator("[name=body]").fill("先打开设置，再点高级。")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()

        with app.app_context():
            deliver_due()
            db.session.remove()
        [mail] = [m for m in smtp_server.inbox.take() if m.to == "xiaoli@example.cn"]
        assert "《回复提醒测试》" in mail.subject
        assert "> 先打开设置，再点高级。" in mail.text
        link = THREAD_RE.search(mail.text).group(1)
        assert link.startswith(origin + "/comments/unsubscribe/")

        page.goto(link)
        assert "《回复提醒测试》" in page.locator(".unsubscribe").inner_text()
        with page.expect_navigation():
            page.get_by_role("button", name="退订这篇文章的提醒").click()
        assert "已退订" in page.locator(".unsubscribe-done").inner_text()
        page.screenshot(path=f"/tmp/shots/unsubscribed-{viewport['width']}.png")
        with app.app_context():
            assert db.session.get(Comment, parent).notify_replies is False
            db.session.remove()
        context.close()
