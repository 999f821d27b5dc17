"""The login session: a new one at login; it ends after SESSION_IDLE_MINUTES
without a request (unless "记住我") and SESSION_ABSOLUTE_HOURS after the
login (with or without "记住我"); its cookies are HttpOnly, SameSite=Lax,
and Secure on an https site."""

from __future__ import annotations

import time

import pytest

from cms.auth import sessions
from tests.clock import patch_clock
from tests.conftest import PASSWORD

MINUTE, HOUR = 60.0, 3600.0


@pytest.fixture
def clock(monkeypatch):
    return patch_clock(monkeypatch, sessions)


def log_in(client, username: str, remember: bool = False):
    data = {"username": username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 303
    return response


def opens(client) -> bool:
    response = client.get("/moderation/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_login_starts_a_new_session(client, editor):
    with client.session_transaction() as session:
        session["planted"] = "set before the login"
    before = client.get_cookie("session").value

    log_in(client, editor)

    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].count(":") == 2


def test_an_idle_session_ends(client, editor, clock):
    log_in(client, editor)
    clock.now += 119 * MINUTE
    assert opens(client)

    clock.now += 121 * MINUTE

    assert not opens(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_requests_keep_a_session_alive_until_the_absolute_limit(client, editor, clock):
    log_in(client, editor)
    for _ in range(7 * 24 - 1):
        clock.now += HOUR
        assert opens(client)

    clock.now += HOUR

    assert not opens(client)


def test_remember_me_lifts_the_idle_limit_not_the_absolute_one(
    app, client, editor, clock
):
    log_in(client, editor, remember=True)
    remember = client.get_cookie("remember_token").value
    clock.now += 3 * 24 * HOUR
    assert opens(client)
    # the remember-me cookie alone (a browser started again) opens it too
    restarted = app.test_client()
    restarted.set_cookie("remember_token", remember)
    assert opens(restarted)

    clock.now += 4 * 24 * HOUR

    assert not opens(client)
    alone = app.test_client()
    alone.set_cookie("remember_token", remember)
    assert not opens(alone)
    assert alone.get_cookie("remember_token") is None  # deleted


def test_a_forged_remember_cookie_does_not_lift_the_idle_limit(client, editor, clock):
    log_in(client, editor)
    client.set_cookie("remember_token", "1:1:1|not-our-signature")
    clock.now += 121 * MINUTE

    assert not opens(client)


def test_a_login_without_remember_me_drops_an_older_remember_cookie(
    client, editor, clock
):
    log_in(client, editor, remember=True)

    log_in(client, editor)

    assert client.get_cookie("remember_token") is None


@pytest.fixture
def short_limits(app_config):
    app_config |= {"SESSION_IDLE_MINUTES": 10, "SESSION_ABSOLUTE_HOURS": 1}


def test_the_limits_are_settings(short_limits, app, client, editor, clock):
    log_in(client, editor)
    clock.now += 9 * MINUTE
    assert opens(client)
    clock.now += 11 * MINUTE
    assert not opens(client)

    log_in(client, editor, remember=True)
    expires = client.get_cookie("remember_token").expires.timestamp()
    assert time.time() + HOUR - 60 < expires <= time.time() + HOUR + 60


def set_cookie_headers(response) -> dict[str, list[str]]:
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        found[name] = [part.strip().lower() for part in header.split(";")[1:]]
    return found


def test_the_cookies_are_httponly_and_samesite_lax(client, editor):
    response = log_in(client, editor, remember=True)

    cookies = set_cookie_headers(response)
    for name in ("session", "remember_token"):
        assert "httponly" in cookies[name], name
        assert "samesite=lax" in cookies[name], name
        assert "secure" not in cookies[name], name  # http://cms.test


@pytest.fixture
def https_site(app_config):
    app_config["SITE_URL"] = "https://www.example.cn"


def test_an_https_site_sends_them_secure(https_site, app, client, editor):
    response = log_in(client, editor, remember=True)

    cookies = set_cookie_headers(response)
    for name in ("session", "remember_token"):
        assert "secure" in cookies[name], name
