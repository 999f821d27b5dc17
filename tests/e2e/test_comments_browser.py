"""Comments in a real browser: post a comment (held, 待审核 for its author),
then, once it is approved, reply through its 回复 link (the script moves the
form under the comment) and see the reply nested inside it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.support import DESKTOP, own_site, require_browser

require_browser()
pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class CommentSite:
    """A live server whose app (and so database) the test can reach."""

    origin: str
    app: object
    article_path: str


@pytest.fixture
def comment_site(tmp_path) -> Iterator[CommentSite]:
    """A server of its own with one article; the test approves a comment in
    its database. Timing rules are off (the browser types at once)."""
    from cms.services.settings import set_setting
    from tests.factories import make_article, make_user

    def seed():
        set_setting("site.name", "资源分享网")
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.flood_seconds", "0")
        return make_article(
            title="如何在浏览器里发表评论",
            body="这是一篇用来测试评论功能的文章。\n\n## 第二节\n\n欢迎留言讨论。",
            owner=make_user(username="writer", display_name="王小明", password=None),
        )

    with own_site(tmp_path / "comments.sqlite", seed) as (origin, app, article):
        yield CommentSite(origin, app, f"/{article.public_id}.html")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _comment_id(url: str) -> int:
    fragment = url.split("#", 1)[1]
    assert fragment.startswith("comment-"), url
    return int(fragment.removeprefix("comment-"))


def _stored(app, comment_id: int):
    from cms.extensions import db
    from cms.models import Comment

    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        db.session.expunge_all()
        return comment


def _shot(page, tmp_path: Path, name: str) -> Path:
    """A full-page PNG in tmp_path, copied to /tmp/shots for a person to see."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(PNG_MAGIC)
    assert shot.stat().st_size > 10_000, f"{shot} looks blank"
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, SHOTS / name)
    return shot


def test_comment_then_reply_in_the_browser(comment_site, page, tmp_path):
    from cms.models import CommentStatus
    from cms.services.moderation import set_status

    page.goto(comment_site.origin + comment_site.article_path)
    form = page.locator("form#comment-form")
    form.locator("[name=author]").fill("张三")
    form.locator("[name=email]").fill("zhangsan@example.cn")
    form.locator("[name=body]").fill("第一次留言：文章写得很清楚，谢谢分享。")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    # Held (first comment from this address): shown to its author, marked.
    first_id = _comment_id(page.url)
    first = page.locator(f"#comments li#comment-{first_id}")
    assert first.locator(".held-mark").inner_text() == "待审核"
    assert page.locator("#comments").get_attribute("data-count") == "0"
    assert _stored(comment_site.app, first_id).status == CommentStatus.PENDING
    _shot(page, tmp_path, "comments-held.png")

    with comment_site.app.app_context():
        assert set_status([first_id], CommentStatus.APPROVED, None)
    page.reload()
    assert first.locator(".held-mark").count() == 0
    assert page.locator("#comments").get_attribute("data-count") == "1"

    # 回复 moves the form under the comment and sets parent_id.
    first.locator("a.reply-link").click()
    inside = page.evaluate(
        """id => document.getElementById("comment-" + id)
                 .contains(document.getElementById("comment-form"))""",
        first_id,
    )
    assert inside is True
    assert form.locator("[name=parent_id]").input_value() == str(first_id)
    assert "回复 张三" in page.locator("#respond-title").inner_text()
    assert page.locator("#comment-form .cancel-reply").is_visible()
    assert page.evaluate("document.activeElement.name") == "body"
    _shot(page, tmp_path, "comments-replying.png")

    form.locator("[name=author]").fill("张三")
    form.locator("[name=email]").fill("zhangsan@example.cn")
    form.locator("[name=body]").fill("补充一句：第二节的例子也很实用。")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    reply_id = _comment_id(page.url)
    reply = page.locator(f"#comments li#comment-{first_id} li#comment-{reply_id}")
    assert reply.count() == 1
    assert reply.get_attribute("data-depth") == "2"
    assert "第二节的例子" in reply.locator(".comment-text").inner_text()
    stored = _stored(comment_site.app, reply_id)
    assert stored.parent_id == first_id
    assert stored.status == CommentStatus.APPROVED  # a known commenter now
    assert page.locator("#comments").get_attribute("data-count") == "2"
    # Back home after the post: the form is under the comments again.
    assert (
        page.evaluate(
            "document.getElementById('comments').contains("
            "document.getElementById('comment-form'))"
        )
        is False
    )

    _shot(page, tmp_path, "comments.png")
