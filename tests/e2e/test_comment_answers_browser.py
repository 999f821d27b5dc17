"""A rejected comment in a real browser, on a phone and a desktop, with and
without JavaScript: the answer leaves the error summary and the form in view
with the focus in the first field in error, the text kept; remembered name
and e-mail never overwrite what the server sent back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.support import DESKTOP, PHONE, own_site, require_browser

require_browser()
pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
IN_VIEW = """id => { const r = document.getElementById(id).getBoundingClientRect();
                     return r.top >= -1 && r.bottom <= innerHeight + 1; }"""


@dataclass(frozen=True)
class Site:
    origin: str
    app: object
    article_path: str


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """One article with a long body and 25 comments: the form is far down."""
    from cms.services.settings import set_setting
    from tests.factories import make_article, make_comment, make_user

    def seed():
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.flood_seconds", "0")
        set_setting("comments.hold_first", "false")
        body = "\n\n".join(f"第 {i} 段：这是一段用来把页面撑长的正文。" * 4
                           for i in range(30))  # fmt: skip
        article = make_article(
            title="评论出错时回到表单", body=body,
            owner=make_user(username="writer", password=None),
        )  # fmt: skip
        for i in range(25):
            make_comment(article, body=f"第 {i + 1} 条读者评论，说得很好。")
        return article

    database = tmp_path_factory.mktemp("answers") / "answers.sqlite"
    with own_site(database, seed) as (origin, app, article):
        yield Site(origin, app, f"/{article.public_id}.html")


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(viewport, javascript=True):
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", java_script_enabled=javascript
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def _submit(page):
    with page.expect_navigation() as navigation:
        page.locator("form#comment-form button[type=submit]").click()
    return navigation.value


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_rejected_comment_leaves_error_and_form_in_view(
    site, new_page, viewport, javascript
):
    page = new_page(viewport, javascript)
    page.goto(site.origin + site.article_path)
    form = page.locator("form#comment-form")
    form.locator("[name=email]").fill("reader@example.cn")
    form.locator("[name=body]").fill("没有填昵称的一条评论，内容要保留。")

    response = _submit(page)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # autofocus runs at the next rendering update

    assert response.status == 400
    assert page.url.endswith("#comment-form-answer")
    assert page.evaluate("document.activeElement.id") == "author"
    assert page.evaluate(IN_VIEW, "comment-errors")
    assert page.evaluate(IN_VIEW, "author")
    assert page.evaluate("scrollY") > 1500  # not the top of the page
    assert "请填写昵称" in page.locator("#comment-errors").inner_text()
    assert (
        form.locator("[name=body]").input_value()
        == "没有填昵称的一条评论，内容要保留。"
    )
    name = f"comment-answer-{viewport['width']}-{'js' if javascript else 'nojs'}.png"
    _shot(page, name)

    # The summary's link goes to the field; fixing it posts the comment.
    form.locator("[name=author]").fill("小李")
    _submit(page)
    assert "#comment-" in page.url


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_flood_answer_focuses_the_summary(site, new_page, viewport):
    from cms.services.settings import set_setting

    page = new_page(viewport)
    page.goto(site.origin + site.article_path)
    with site.app.app_context():
        set_setting("comments.flood_seconds", "600")
    try:
        for n in (1, 2):
            form = page.locator("form#comment-form")
            form.locator("[name=author]").fill(f"快手{viewport['width']}")
            form.locator("[name=email]").fill(f"fast{viewport['width']}@example.cn")
            form.locator("[name=body]").fill(
                f"连续发的第 {n} 条评论 {viewport['width']}"
            )
            response = _submit(page)
            if n == 1:
                page.goto(site.origin + site.article_path)
    finally:
        with site.app.app_context():
            set_setting("comments.flood_seconds", "0")
    page.wait_for_timeout(300)

    assert response.status == 429
    assert page.evaluate("document.activeElement.id") == "comment-errors"
    assert page.evaluate(IN_VIEW, "comment-errors")
    assert "秒后再发表评论" in page.locator("#comment-errors").inner_text()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_remembered_fields_do_not_override_returned_ones(site, new_page, viewport):
    page = new_page(viewport)
    page.goto(site.origin + site.article_path)
    form = page.locator("form#comment-form")
    form.locator("[name=author]").fill("小李")
    form.locator("[name=email]").fill(f"xiaoli{viewport['width']}@example.cn")
    form.locator("[name=body]").fill(f"记住我之后的第一条评论 {viewport['width']}")
    form.locator("[name=remember]").check()
    _submit(page)
    assert form.locator("[name=author]").input_value() == "小李"  # remembered

    form.locator("[name=author]").fill("")
    form.locator("[name=body]").fill("清空昵称后再发一条")
    response = _submit(page)
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # give any script the chance to refill

    assert response.status == 400
    assert form.locator("[name=author]").input_value() == ""
    assert form.locator("[name=email]").input_value() == (
        f"xiaoli{viewport['width']}@example.cn"
    )
    assert page.locator("#author-error").inner_text() == "请填写昵称"
    assert page.evaluate("document.activeElement.id") == "author"
