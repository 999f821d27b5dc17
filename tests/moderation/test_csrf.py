"""With CSRF protection on (as outside tests): every POST route of the area
works with the token taken from a rendered form, and is refused (400,
nothing changed) without it."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import AuditEntry
from tests.conftest import PASSWORD
from tests.moderation.helpers import add_comment, assert_counts_exact, statuses
from tests.moderation.routes import (
    expected_post,
    make_targets,
    moderation_rules,
    permitted,
    request_for,
)


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


# Routes that end the session they came in and start a new one (README:
# sessions): the pages after them carry a new form token.
NEW_SESSION = {"moderation.change_password"}


def post_routes(app) -> list[str]:
    return [
        endpoint for endpoint, methods in moderation_rules(app) if "POST" in methods
    ]


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_every_post_route_works_with_the_token_from_the_page(
    request, app, client, role, contributor
):
    log_in(client, request.getfixturevalue(role))
    with app.app_context():
        targets = make_targets(contributor)
    token = token_from(client, "/moderation/comments", "form#bulk")

    for endpoint in post_routes(app):
        path, _, data = request_for(app, endpoint, targets)
        response = client.post(path, data=data | {"csrf_token": token})
        if not permitted(endpoint, role):
            assert response.status_code == 403, endpoint
            continue
        assert response.status_code == expected_post(endpoint), endpoint
        if response.status_code == 303:
            location = response.headers["Location"]
            assert location.startswith(("/moderation/", "/auth/")), endpoint
        if endpoint in NEW_SESSION:  # its form token ended with the old session
            token = token_from(client, "/moderation/comments", "form#bulk")

    with app.app_context():
        assert_counts_exact()


def test_every_post_route_without_the_token_is_400_and_changes_nothing(
    app, client, admin, contributor
):
    log_in(client, admin)
    with app.app_context():
        targets = make_targets(contributor)
        before = assert_counts_exact()
        audit_before = db.session.scalar(select(func.count(AuditEntry.id)))

    for endpoint in post_routes(app):
        path, _, data = request_for(app, endpoint, targets)
        for token in (None, "forged"):
            sent = data if token is None else data | {"csrf_token": token}
            response = client.post(path, data=sent)
            assert response.status_code == 400, endpoint
            assert "表单已过期" in response.get_data(as_text=True)

    with app.app_context():
        assert statuses(targets["comment"]) == ["pending"]
        assert assert_counts_exact() == before
        assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_before


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
