"""With CSRF protection on (as outside tests): the menus' and pages' POST
forms work with the token from the rendered page and are refused without it."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import MenuItem, Page
from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return app_config | {"WTF_CSRF_ENABLED": True}


def token_from(client, path: str, selector: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return soup.select_one(f"{selector} input[name=csrf_token]")["value"]


@pytest.fixture
def staff(client, editor):
    token = token_from(client, "/auth/login", "form[method=post]")
    data = {"username": editor, "password": PASSWORD, "csrf_token": token}
    assert client.post("/auth/login", data=data).status_code == 303
    return client


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_adding_a_link_needs_the_token(app, staff):
    link = {"menu": "friends", "label": "示例", "url": "https://example.org/"}

    assert staff.post("/moderation/menus", data=link).status_code == 400
    token = token_from(staff, "/moderation/menus", "form.menu-add-friends")
    response = staff.post("/moderation/menus", data=link | {"csrf_token": token})

    assert response.status_code == 303
    with app.app_context():
        assert count(MenuItem) == 1
        item_id = db.session.scalar(select(MenuItem.id))
    for path in (
        f"/moderation/menus/{item_id}/move",
        f"/moderation/menus/{item_id}/delete",
    ):
        assert staff.post(path, data={"direction": "up"}).status_code == 400
    token = token_from(staff, "/moderation/menus", f"[data-item-id='{item_id}']")
    assert (
        staff.post(
            f"/moderation/menus/{item_id}/delete", data={"csrf_token": token}
        ).status_code
        == 303
    )
    with app.app_context():
        assert count(MenuItem) == 0


def test_writing_a_page_needs_the_token(app, staff):
    page = {
        "title": "关于我们",
        "slug": "about",
        "position": "0",
        "body": "正文",
        "do": "publish",
    }

    assert staff.post("/moderation/pages/new", data=page).status_code == 400
    with app.app_context():
        assert count(Page) == 0
    token = token_from(staff, "/moderation/pages/new", "form.page-form")
    response = staff.post("/moderation/pages/new", data=page | {"csrf_token": token})

    assert response.status_code == 303
    path = response.headers["Location"]
    assert staff.post(f"{path}/trash").status_code == 400
    token = token_from(staff, path, "form#page-trash")
    assert staff.post(f"{path}/trash", data={"csrf_token": token}).status_code == 303
    assert staff.get("/page/about/").status_code == 404
