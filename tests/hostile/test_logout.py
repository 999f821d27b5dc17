"""Logout ends every credential it issued: a session or remember-me cookie
copied before `POST /auth/logout` opens nothing afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from cms.extensions import db
from cms.models import User
from tests.conftest import PASSWORD


def _logged_in_cookies(client, username: str) -> dict[str, str]:
    response = client.post(
        "/auth/login",
        data={"username": username, "password": PASSWORD, "remember": "y"},
    )
    assert response.status_code == 303
    cookies = {name: client.get_cookie(name) for name in ("session", "remember_token")}
    assert all(cookies.values())
    return {name: cookie.value for name, cookie in cookies.items()}


def _opens_moderation(app, cookies: dict[str, str]) -> bool:
    replay = app.test_client()
    for name, value in cookies.items():
        replay.set_cookie(name, value)
    response = replay.get("/moderation/")
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == "/auth/login"
        return False
    return response.status_code == 200


@pytest.mark.parametrize("kept", [("session",), ("remember_token",)])
def test_a_cookie_kept_from_before_logout_is_refused(app, client, editor, kept):
    cookies = _logged_in_cookies(client, editor)
    copied = {name: cookies[name] for name in kept}
    assert _opens_moderation(app, copied)

    assert client.post("/auth/logout").status_code == 303

    assert not _opens_moderation(app, copied)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=editor))
        assert user.session_version == 2


def test_logging_in_again_after_logout_works(app, client, login, editor):
    _logged_in_cookies(client, editor)
    client.post("/auth/logout")

    assert login(editor).status_code == 303
    assert client.get("/moderation/").status_code == 200


def test_the_remember_cookie_lives_no_longer_than_the_absolute_limit(
    app, client, editor
):
    """ "记住我" asks for 30 days (REMEMBER_COOKIE_DAYS) but a login ends
    SESSION_ABSOLUTE_HOURS (7 days) after the password: the cookie dies then."""
    before = datetime.now(UTC)
    _logged_in_cookies(client, editor)

    expires = client.get_cookie("remember_token").expires
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    assert app.config["SESSION_ABSOLUTE_HOURS"] == 7 * 24
    lifetime = expires - before
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7, minutes=1)


@pytest.fixture
def short_remember(app_config):
    app_config["REMEMBER_COOKIE_DURATION"] = timedelta(days=2)


def test_a_shorter_remember_setting_is_kept(short_remember, app, client, editor):
    before = datetime.now(UTC)
    _logged_in_cookies(client, editor)

    lifetime = client.get_cookie("remember_token").expires - before
    assert timedelta(days=1, hours=23) < lifetime <= timedelta(days=2, minutes=1)
