"""What the login checks share (brute-force, enumeration, sessions,
two-factor): accounts of their own, and a login through the real form."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cms.extensions import db
from cms.models import Role, User
from cms.services.users import create_user
from tests.security.harness import PASSWORD, Site, _app, form_token


def account(site: Site, username: str, app: Flask | None = None, **options: Any) -> int:
    """The id of an editor account `username` on the site (made the first
    time, by `app` when given: its password hasher) with the suite's
    password; the checks never touch the role accounts other checks log in
    with."""
    with (app or site.app).app_context():
        found = db.session.scalar(select(User.id).where(User.username == username))
        if found is None:
            found = create_user(username, Role.EDITOR, PASSWORD, **options).id
        db.session.remove()
        return found


def variant(site: Site, **config: Any) -> Flask:
    """Another app on the site's database, with `config` on top."""
    return _app(site.folder, config)


def log_in(
    client: FlaskClient,
    username: str,
    password: str = PASSWORD,
    remember: bool = False,
    **request: Any,
):
    """The login form, then its POST (with its token): the POST's answer."""
    page = client.get("/auth/login", **request).get_data(as_text=True)
    data = {"username": username, "password": password, "csrf_token": form_token(page)}
    if remember:
        data["remember"] = "y"
    return client.post("/auth/login", data=data, **request)


def opens(client: FlaskClient) -> bool:
    """Whether the client's cookies open the moderation area."""
    return client.get("/moderation/").status_code == 200


def replay(app: Flask, cookies: dict[str, str]) -> FlaskClient:
    """A new browser holding only `cookies`."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def cookies_of(client: FlaskClient, *names: str) -> dict[str, str]:
    found = {name: client.get_cookie(name) for name in names}
    return {name: cookie.value for name, cookie in found.items() if cookie}


def token_of(client: FlaskClient, path: str = "/moderation/") -> str | None:
    return form_token(client.get(path).get_data(as_text=True))
