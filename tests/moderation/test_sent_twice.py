"""The moderation area's forms that create, sent twice (a double click, the
browser sending a form again): one article, page, link or reply, and the
second answer is the first one's (to the editor of what was saved)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, Category, Comment, MenuItem, Page, User, WordRule
from tests.comments.support import form_inputs
from tests.moderation.helpers import add_comment

# (the page the form is on, the form's action, fields typed, what it creates)
FORMS = {
    "post": ("/moderation/posts/new", "/moderation/posts/new",
             {"title": "新文章", "body": "正文", "do": "save"}, Article),
    "page": ("/moderation/pages/new", "/moderation/pages/new",
             {"title": "新页面", "body": "正文", "position": "0", "do": "save"}, Page),
    "link": ("/moderation/menus", "/moderation/menus",
             {"menu": "friends", "kind": "url", "label": "示例",
              "url": "https://example.org/"}, MenuItem),
    "reply": ("/moderation/comments?status=pending", "/moderation/comments/{c}/reply",
              {"body": "谢谢你的留言。"}, Comment),
    "category": ("/moderation/categories", "/moderation/categories",
                 {"name": "新分类", "parent": "0"}, Category),
    "word rule": ("/moderation/wordrules", "/moderation/wordrules",
                  {"phrase": "新规则", "kind": "word", "action": "flag",
                   "scope_comments": "y"}, WordRule),
}  # fmt: skip


def _form(client, page: str, action: str) -> dict[str, str]:
    """The inputs of the form posting to `action` on `page`."""
    soup = BeautifulSoup(client.get(page).get_data(as_text=True), "html.parser")
    for form in soup.select("form[method=post]"):
        if (form.get("action") or page).split("?")[0] == action:
            return form_inputs(form)
    raise AssertionError(f"no form for {action} on {page}")


def _rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_form_sent_twice_creates_once(app, staff, article, name):
    with app.app_context():
        comment = add_comment(article).id
    page, action, typed, model = FORMS[name]
    action = action.format(c=comment)
    form = _form(staff, page, action) | typed
    assert form["submission"]
    before = _rows(app, model)

    first = staff.post(action, data=form)
    again = staff.post(action, data=form)

    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert _rows(app, model) == before + 1


def test_the_new_account_form_sent_twice_creates_one(app, client, login, admin):
    assert login(admin).status_code == 303
    typed = {"username": "newbie", "password": "a long enough passphrase",
             "role": "contributor"}  # fmt: skip
    form = _form(client, "/moderation/users", "/moderation/users") | typed
    before = _rows(app, User)

    first = client.post("/moderation/users", data=form)
    again = client.post("/moderation/users", data=form)

    assert first.status_code == again.status_code == 303
    assert _rows(app, User) == before + 1


def test_each_rendering_of_a_form_creates_its_own(app, staff):
    page, action, typed, model = FORMS["post"]

    for _ in range(2):
        assert (
            staff.post(action, data=_form(staff, page, action) | typed).status_code
            == 303
        )

    assert _rows(app, model) == 2
