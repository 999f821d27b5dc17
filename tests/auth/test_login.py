"""Logging in: the form, where success leads, what failure says, and the limit."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import update

from cms.extensions import db
from cms.models import Role, User
from tests.conftest import PASSWORD
from tests.factories import make_user


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def logged_in(client) -> bool:
    """Whether the client's session is logged in, as the guarded area sees it."""
    response = client.get("/moderation/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def post_login(client, username, password=PASSWORD, **query):
    return client.post(
        "/auth/login",
        query_string=query,
        data={"username": username, "password": password},
    )


def test_login_form(client):
    response = client.get("/auth/login")

    assert response.status_code == 200
    form = parse(response).select_one("form[method=post]")
    assert form is not None
    username = form.select_one("input[name=username]")
    password = form.select_one("input[name=password]")
    assert username is not None
    assert password is not None and password["type"] == "password"
    assert form.select(".form-error") == []


def test_success_answers_303_to_the_moderation_area(client, editor):
    assert not logged_in(client)

    response = post_login(client, editor)

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"
    assert logged_in(client)


@pytest.mark.parametrize(
    "target", ["/moderation/", "/category/ji-shu/?page=2", "/abc.html#top"]
)
def test_success_follows_a_safe_next(client, editor, target):
    response = post_login(client, editor, next=target)

    assert response.status_code == 303
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "//evil.com/moderation/",
        "/\\evil.com",
        "\\\\evil.com",
        "https://evil.com",
        "https://evil.com/moderation/",
        "javascript:alert(1)",
        "/\t/evil.com",
        "/\n/evil.com",
        "evil.com",
        "",
    ],
)
def test_unsafe_next_falls_back_to_the_moderation_area(client, editor, target):
    response = post_login(client, editor, next=target)

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"
    assert logged_in(client)


def test_login_page_of_a_logged_in_user_moves_on(client, login, editor):
    login(editor)

    response = client.get("/auth/login", query_string={"next": "//evil.com"})

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"


# --- failures ----------------------------------------------------------------


@pytest.fixture
def accounts(app, editor):
    """An active account, an inactive one and one without a password."""
    with app.app_context():
        make_user(username="retired", role=Role.EDITOR, active=False)
        make_user(username="nopass", role=Role.EDITOR, password=None)
    return editor


def failure_message(response) -> str:
    """The one error shown on a failed login (and check there is only one)."""
    assert response.status_code == 401
    soup = parse(response)
    errors = soup.select(".form-error, .field-error, [role=alert]")
    assert len(errors) == 1, errors
    assert soup.select_one("form input[name=username]") is not None
    assert soup.select_one("form input[name=password]") is not None
    return errors[0].get_text(strip=True)


def test_every_failure_answers_401_with_the_same_message(client, accounts):
    causes = {
        "unknown user": post_login(client, "nobody"),
        "wrong password": post_login(client, accounts, "wrong password 123"),
        "inactive account": post_login(client, "retired"),
        "no password": post_login(client, "nopass", "anything at all"),
    }

    messages = {cause: failure_message(r) for cause, r in causes.items()}

    assert len(set(messages.values())) == 1, messages
    assert messages["unknown user"]
    assert not logged_in(client)


def test_an_empty_form_answers_401_with_the_same_message(client, accounts):
    wrong = failure_message(post_login(client, accounts, "wrong password 123"))

    empty = client.post("/auth/login", data={"username": "", "password": ""})

    assert empty.status_code == 401
    soup = parse(empty)
    assert soup.select_one(".form-error").get_text(strip=True) == wrong
    # which fields are missing is said next to them, in the site's language
    field_errors = [p.get_text(strip=True) for p in soup.select(".field-error")]
    assert field_errors == ["请输入用户名", "请输入密码"]


def test_failure_keeps_the_username_but_not_the_password(client, accounts):
    soup = parse(post_login(client, accounts, "wrong password 123"))

    assert soup.select_one("input[name=username]")["value"] == accounts
    assert "wrong password 123" not in str(soup)


# --- too many failures -------------------------------------------------------


def test_too_many_failures_answer_429(client, editor):
    for _ in range(5):
        assert post_login(client, editor, "wrong password 123").status_code == 401

    blocked = post_login(client, editor, "wrong password 123")
    right_password = post_login(client, editor)

    assert blocked.status_code == 429
    assert right_password.status_code == 429
    assert not logged_in(client)


def test_successes_do_not_count_towards_the_limit(client, editor):
    for _ in range(6):
        assert post_login(client, editor).status_code == 303
        assert client.post("/auth/logout").status_code == 303
    for _ in range(5):
        assert post_login(client, editor, "wrong password 123").status_code == 401

    assert post_login(client, editor, "wrong password 123").status_code == 429


def test_get_requests_do_not_count_towards_the_limit(client, editor):
    for _ in range(10):
        assert client.get("/auth/login").status_code == 200

    assert post_login(client, editor).status_code == 303


# --- sessions ----------------------------------------------------------------


def test_bumping_the_session_version_ends_existing_sessions(app, client, login, editor):
    login(editor)
    assert logged_in(client)

    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.username == editor)
            .values(session_version=User.session_version + 1)
        )
        db.session.commit()

    response = client.get("/moderation/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/auth/login"
    # ... and a fresh login works again
    assert login(editor).status_code == 303
    assert logged_in(client)


def test_deactivating_an_account_ends_its_sessions(app, client, login, editor):
    login(editor)

    with app.app_context():
        db.session.execute(
            update(User).where(User.username == editor).values(active=False)
        )
        db.session.commit()

    assert not logged_in(client)


def test_anonymous_guard_redirect_keeps_the_query(client):
    response = client.get("/moderation/?tab=x")

    location = urlsplit(response.headers["Location"])
    assert response.status_code == 302
    assert location.path == "/auth/login"
    assert parse_qs(location.query) == {"next": ["/moderation/?tab=x"]}
