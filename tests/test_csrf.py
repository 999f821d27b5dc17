"""With CSRF protection on (as outside tests): forms work with the token taken
from the rendered page, and are refused (400) without it."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return app_config | {"WTF_CSRF_ENABLED": True}


def token_from(client, path: str, form_selector: str) -> str:
    """The csrf_token hidden input of the form `form_selector` on page `path`."""
    response = client.get(path)
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    field = soup.select_one(f'{form_selector} input[type=hidden][name="csrf_token"]')
    assert field is not None and field["value"]
    return field["value"]


def logged_in(client) -> bool:
    response = client.get("/moderation/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_login_without_token_is_400(client, editor):
    client.get("/auth/login")  # a session exists; only the token is missing

    response = client.post(
        "/auth/login", data={"username": editor, "password": PASSWORD}
    )

    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert not logged_in(client)


def test_login_with_a_forged_token_is_400(client, editor):
    client.get("/auth/login")

    response = client.post(
        "/auth/login",
        data={"username": editor, "password": PASSWORD, "csrf_token": "forged"},
    )

    assert response.status_code == 400
    assert not logged_in(client)


def test_login_with_the_token_from_the_form_succeeds(client, editor):
    token = token_from(client, "/auth/login", "form[method=post]")

    response = client.post(
        "/auth/login",
        data={"username": editor, "password": PASSWORD, "csrf_token": token},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"
    assert logged_in(client)


def test_token_of_another_session_is_refused(app, client, editor):
    other = app.test_client()
    token = token_from(other, "/auth/login", "form[method=post]")
    client.get("/auth/login")

    response = client.post(
        "/auth/login",
        data={"username": editor, "password": PASSWORD, "csrf_token": token},
    )

    assert response.status_code == 400
    assert not logged_in(client)


@pytest.fixture
def signed_in(client, editor):
    token = token_from(client, "/auth/login", "form[method=post]")
    response = client.post(
        "/auth/login",
        data={"username": editor, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303
    return client


def test_logout_without_token_is_400_and_keeps_the_session(signed_in):
    response = signed_in.post("/auth/logout")

    assert response.status_code == 400
    assert logged_in(signed_in)


def test_logout_with_the_token_from_the_page_succeeds(signed_in):
    token = token_from(signed_in, "/moderation/", 'form[action="/auth/logout"]')

    response = signed_in.post("/auth/logout", data={"csrf_token": token})

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert not logged_in(signed_in)
