"""Autosave in a real browser: the copy reaches the server after a change
and when the writer leaves (sendBeacon), survives closing the tab, is offered
back on reopen, and restoring it never overwrites a newer saved version."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import PASSWORD
from tests.e2e.support import DESKTOP, PHONE, own_site, require_browser

require_browser()
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple]:
    from cms.models import Role
    from tests.factories import make_article, make_user

    def seed():
        editor = make_user(username="bianji", role=Role.EDITOR, password=PASSWORD)
        return make_article(title="自动保存测试", body="原来的正文。", owner=editor).id

    database = tmp_path_factory.mktemp("autosave") / "autosave.sqlite"
    with own_site(database, seed, AUTOSAVE_SECONDS=1) as (origin, app, article_id):
        yield origin, app, article_id


def _logged_in(browser, origin, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(origin + "/auth/login")
    page.fill("input[name=username]", "bianji")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[method=post] button[type=submit]")
    return context, page


def _wait_saved(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#autosave-status")).to_contain_text("已自动保存")


def _stored(app, article_id):
    from cms.extensions import db
    from cms.models import Article, Autosave

    with app.app_context():
        article = db.session.get(Article, article_id)
        copies = [c.body_markdown for c in db.session.scalars(db.select(Autosave))]
        result = article.body_markdown, article.version, copies
        db.session.remove()
        return result


def _clear(app):
    from cms.extensions import db
    from cms.models import Autosave

    with app.app_context():
        db.session.execute(db.delete(Autosave))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_a_draft_survives_closing_the_tab(browser, site, viewport):
    origin, app, article_id = site
    _clear(app)
    context, page = _logged_in(browser, origin, viewport)
    editor = f"{origin}/moderation/posts/{article_id}"
    page.goto(editor)
    page.fill("textarea[name=body]", f"写了一半的新正文 {viewport['width']}")
    _wait_saved(page)
    page.close()  # the tab is gone; nothing was saved by hand

    body, _, copies = _stored(app, article_id)
    assert body == "原来的正文。"
    assert copies == [f"写了一半的新正文 {viewport['width']}"]

    page = context.new_page()
    page.goto(editor)
    offer = page.locator(".autosave-offer")
    assert offer.is_visible()
    with page.expect_navigation():
        offer.get_by_role("link", name="恢复自动保存的内容").click()
    assert page.input_value("textarea[name=body]") == (
        f"写了一半的新正文 {viewport['width']}"
    )
    context.close()


def test_leaving_sends_the_copy_at_once(browser, site):
    origin, app, article_id = site
    _clear(app)
    context, page = _logged_in(browser, origin, DESKTOP)
    page.goto(f"{origin}/moderation/posts/{article_id}")
    # A long interval: only leaving can send it.
    page.evaluate(
        "document.querySelector('form[data-autosave]')"
        ".setAttribute('data-autosave-seconds', '3600')"
    )
    page.on("dialog", lambda dialog: dialog.accept())  # the unsaved-changes warning
    page.fill("input[name=title]", "离开前的标题")
    page.wait_for_timeout(300)
    assert _stored(app, article_id)[2] == []  # nothing sent yet
    page.goto(f"{origin}/moderation/posts")
    page.wait_for_timeout(500)

    _, _, copies = _stored(app, article_id)
    assert copies == ["原来的正文。"]  # the body as it was, with the new title
    context.close()


def test_restoring_after_a_newer_save_meets_the_version_check(browser, site):
    from cms.extensions import db
    from cms.models import User
    from cms.services import editorial
    from cms.services.article_edits import ArticleEdit

    origin, app, article_id = site
    _clear(app)
    context, page = _logged_in(browser, origin, DESKTOP)
    editor = f"{origin}/moderation/posts/{article_id}"
    page.goto(editor)
    page.fill("textarea[name=body]", "我的草稿")
    _wait_saved(page)
    page.close()
    _, version, _ = _stored(app, article_id)
    with app.app_context():  # someone saves a newer version meanwhile
        someone = db.session.scalar(db.select(User).where(User.username == "bianji"))
        edit = ArticleEdit(title="自动保存测试", body_markdown="别人的新版本")
        editorial.save(someone, article_id, edit, version)
        db.session.remove()

    page = context.new_page()
    page.goto(editor)
    assert "又被保存过" in page.locator(".autosave-offer").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="恢复自动保存的内容").click()
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation() as answer:
        page.locator("button[name=do][value=publish]").click()  # 更新: published

    assert answer.value.status == 409
    assert page.locator(".conflict").is_visible()
    body, _, _ = _stored(app, article_id)
    assert body == "别人的新版本"
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_word_count_and_reading_time_follow_the_text(browser, site, viewport):
    from playwright.sync_api import expect

    origin, app, article_id = site
    context, page = _logged_in(browser, origin, viewport)
    page.goto(f"{origin}/moderation/posts/new")
    count = page.locator("[data-word-count-for=body]")
    assert count.inner_text() == "0 字 · 约 0 分钟读完"

    page.fill("textarea[name=body]", "十个汉字的一句话啊。Hello world" + "字" * 800)

    expect(count).to_have_text("811 字 · 约 3 分钟读完")
    context.close()
