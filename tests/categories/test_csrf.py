"""With CSRF protection on: each category form works with the token of the
rendered page, and is refused (400, nothing changed) without it."""

from __future__ import annotations

import pytest

from tests.categories.helpers import soup_of, state
from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return app_config | {"WTF_CSRF_ENABLED": True}


def token(client, path: str, selector: str) -> str:
    field = soup_of(client.get(path)).select_one(f"{selector} input[name=csrf_token]")
    assert field is not None and field["value"]
    return field["value"]


@pytest.fixture
def editor_client(client, editor):
    login_token = token(client, "/auth/login", "form[method=post]")
    response = client.post(
        "/auth/login",
        data={"username": editor, "password": PASSWORD, "csrf_token": login_token},
    )
    assert response.status_code == 303
    return client


def test_every_category_form_needs_the_token(app, editor_client, add_category):
    client = editor_client
    a, b = add_category("甲"), add_category("乙")
    c, d = add_category("丙"), add_category("丁")
    posts = [
        ("/moderation/categories", "form[action='/moderation/categories']",
         {"name": "新的", "parent": "0"}),
        (f"/moderation/categories/{a}", "form#category-update",
         {"name": "甲二", "slug": "jia-er"}),
        (f"/moderation/categories/{a}/move", "form#category-move", {"parent": b}),
        (f"/moderation/categories/{c}/merge", "form#category-merge", {"target": b}),
        (f"/moderation/categories/{d}/delete", "form#category-delete", {}),
    ]  # fmt: skip
    for path, selector, data in posts:
        page = "/moderation/categories" if path.endswith("categories") else path
        page = page.removesuffix("/move").removesuffix("/merge")
        page = page.removesuffix("/delete")
        with app.app_context():
            before = state()

        refused = client.post(path, data=data)

        assert refused.status_code == 400, path
        with app.app_context():
            assert state() == before, path
        done = client.post(
            path, data=data | {"csrf_token": token(client, page, selector)}
        )
        assert done.status_code == 303, path
        with app.app_context():
            assert state()["audit"] == before["audit"] + 1, path
