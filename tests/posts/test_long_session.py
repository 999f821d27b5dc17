"""A writer who keeps the editor open all day can still save: the form token
is bound to the session and does not expire with time; it dies with the
session (logout)."""

from __future__ import annotations

import time

import pytest
from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from cms.extensions import db
from cms.models import Article
from tests.conftest import PASSWORD
from tests.posts.support import form_data


@pytest.fixture
def app_config(app_config):
    return app_config | {"WTF_CSRF_ENABLED": True}


def _token_signed_ago(client, seconds: float) -> str:
    """The session's form token as Flask-WTF signs it, `seconds` ago."""
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    signed_at = int(time.time() - seconds)

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return signed_at

    key = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    serializer = URLSafeTimedSerializer(key, salt="wtf-csrf-token", signer=PastSigner)
    return serializer.dumps(raw)


def test_a_token_from_ten_hours_ago_still_saves(app, client, login, editor):
    login_page = client.get("/auth/login")
    assert login_page.status_code == 200
    with app.app_context():
        token = _token_signed_ago(client, 0)
    assert client.post(
        "/auth/login",
        data={"username": editor, "password": PASSWORD,
              "csrf_token": token},
    ).status_code == 303  # fmt: skip
    client.get("/moderation/posts/new")  # the editor page, opened in the morning
    with app.app_context():
        old = _token_signed_ago(client, 10 * 3600)

    response = client.post(
        "/moderation/posts/new", data=form_data(csrf_token=old, title="傍晚才保存")
    )

    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalars(db.select(Article.title)).all() == ["傍晚才保存"]


def test_the_token_dies_with_the_session(app, client, editor):
    client.get("/auth/login")
    with app.app_context():
        token = _token_signed_ago(client, 0)
    other = app.test_client()  # another session: the token is not its own
    other.get("/auth/login")

    response = other.post(
        "/auth/login",
        data={"username": editor, "password": PASSWORD,
              "csrf_token": token},
    )  # fmt: skip

    assert response.status_code == 400
