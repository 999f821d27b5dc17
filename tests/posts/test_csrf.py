"""With CSRF protection on: the editor's forms work with the token from the
page and are refused (400, nothing stored) without it; the live preview
sends the token in its X-CSRFToken header."""

from __future__ import annotations

import pytest

from cms.models import ArticleStatus
from tests.conftest import PASSWORD
from tests.posts.support import count, editor_values, parse, stored


@pytest.fixture
def app_config(app_config):
    return app_config | {"WTF_CSRF_ENABLED": True}


def log_in(client, username: str) -> None:
    token = parse(client.get("/auth/login")).select_one("input[name=csrf_token]")
    response = client.post(
        "/auth/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token["value"]},
    )
    assert response.status_code == 303


def test_the_editor_works_with_its_token_and_not_without(app, client, editor):
    log_in(client, editor)
    page = parse(client.get("/moderation/posts/new"))
    data = editor_values(page) | {"title": "带令牌的文章", "do": "save"}

    refused = client.post(
        "/moderation/posts/new",
        data={k: v for k, v in data.items() if k != "csrf_token"},
    )
    assert refused.status_code == 400
    with app.app_context():
        assert count() == 0

    created = client.post("/moderation/posts/new", data=data)
    assert created.status_code == 303
    path = created.headers["Location"]

    # the send-back, trash and restore forms carry their own tokens
    editor_page = parse(client.get(path))
    trash_form = editor_page.select_one("form#trash-form")
    token = trash_form.select_one("input[name=csrf_token]")["value"]
    assert client.post(trash_form["action"]).status_code == 400
    assert (
        client.post(trash_form["action"], data={"csrf_token": token}).status_code == 303
    )
    with app.app_context():
        assert stored(int(path.rsplit("/", 1)[1])).status == ArticleStatus.TRASH


def test_the_preview_wants_the_token_in_its_header(client, contributor):
    log_in(client, contributor)
    page = parse(client.get("/moderation/posts/new"))
    token = page.select_one("textarea[data-preview-source]")["data-csrf"]

    without = client.post("/moderation/posts/preview", data={"markdown": "*好*"})
    with_token = client.post(
        "/moderation/posts/preview",
        data={"markdown": "*好*"},
        headers={"X-CSRFToken": token},
    )

    assert without.status_code == 400
    assert with_token.status_code == 200
    assert with_token.get_json() == {"html": "<p><em>好</em></p>\n"}
