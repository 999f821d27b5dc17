"""With CSRF protection on (as outside tests): every POST route of the area
works with the token taken from a rendered form, and is refused (400,
nothing changed) without it."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from cms.services.moderation import apply_action
from tests.conftest import PASSWORD
from tests.moderation.helpers import add_comment, assert_counts_exact, statuses
from tests.moderation.test_access import SAMPLES, fill, moderation_rules


@pytest.fixture
def app_config(app_config):
    return app_config | {"WTF_CSRF_ENABLED": True}


def token_from(client, path: str, selector: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    field = soup.select_one(f"{selector} input[name=csrf_token]")
    assert field is not None and field["value"], selector
    return field["value"]


def log_in(client, username: str) -> None:
    token = token_from(client, "/auth/login", "form[method=post]")
    response = client.post(
        "/auth/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303


def post_routes(app) -> list[tuple[str, str]]:
    return [
        (endpoint, path)
        for endpoint, path, methods in moderation_rules(app)
        if "POST" in methods
    ]


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_every_post_route_works_with_the_token_from_the_page(
    request, app, client, role, article
):
    log_in(client, request.getfixturevalue(role))
    with app.app_context():
        comment = add_comment(article)
        entry = apply_action([add_comment(article).id], "trash", None).entry
        comment_id, entry_id = comment.id, entry.id
    token = token_from(client, "/moderation/comments", "form#bulk")

    for endpoint, path in post_routes(app):
        path = path.replace("/1/", f"/{comment_id}/")
        data = fill(SAMPLES[endpoint]["data"], comment_id, entry_id)
        response = client.post(path, data=data | {"csrf_token": token})
        assert response.status_code == 303, endpoint
        assert response.headers["Location"].startswith("/moderation/"), endpoint

    with app.app_context():
        assert_counts_exact()


def test_every_post_route_without_the_token_is_400_and_changes_nothing(
    app, client, editor, article
):
    log_in(client, editor)
    with app.app_context():
        comment = add_comment(article)
        trashed = add_comment(article, status="trash")
        entry = apply_action([add_comment(article).id], "spam", None).entry
        ids = (comment.id, trashed.id)
        entry_id = entry.id
        before = assert_counts_exact()

    for endpoint, path in post_routes(app):
        path = path.replace("/1/", f"/{ids[0]}/")
        data = fill(SAMPLES[endpoint]["data"], ids[0], entry_id)
        for token in (None, "forged"):
            sent = data if token is None else data | {"csrf_token": token}
            response = client.post(path, data=sent)
            assert response.status_code == 400, endpoint
            assert "表单已过期" in response.get_data(as_text=True)

    with app.app_context():
        assert statuses(*ids) == ["pending", "trash"]
        assert assert_counts_exact() == before


def test_every_post_form_on_the_queue_carries_a_token(app, client, editor, article):
    log_in(client, editor)
    with app.app_context():
        add_comment(article)
        add_comment(article, status="trash")

    for status in ("pending", "trash"):
        response = client.get(f"/moderation/comments?status={status}")
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        forms = soup.select("form[method=post]")
        assert len(forms) >= 3
        for form in forms:
            assert form.select_one("input[name=csrf_token]")["value"]
