"""The comment flood check when the rate-limit store itself fails: the stored
comments (their IP and time) decide, and nothing answers 500."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from cms.ratelimit.database import DatabaseStorage
from tests.comments.support import post_comment, reader


@pytest.fixture
def app_config(app_config):
    app_config["REDIS_URL"] = None  # the database store, the one made to fail
    return app_config


@pytest.fixture
def broken_store(monkeypatch):
    def broken(*_args, **_kwargs):
        raise OperationalError("UPDATE rate_limits", {}, Exception("disk I/O error"))

    for method in ("incr", "get", "get_expiry"):
        monkeypatch.setattr(DatabaseStorage, method, broken)


def test_a_failing_store_lets_stored_comments_decide(
    app, client, article, broken_store
):
    first = post_comment(client, article.public_id, ip="192.0.2.7", **reader(1))
    second = post_comment(client, article.public_id, ip="192.0.2.7", **reader(2))
    other = post_comment(client, article.public_id, ip="192.0.2.8", **reader(3))

    assert first.status_code == 303
    assert second.status_code == 429
    assert 1 <= int(second.headers["Retry-After"]) <= 15
    assert other.status_code == 303


def test_a_failing_store_does_not_break_login_or_the_beacon(
    app, client, article, broken_store
):
    login = client.post(
        "/auth/login", data={"username": "x", "password": "wrong 12345"}
    )
    beacon = client.post(f"/tip/{article.public_id}/open")

    assert login.status_code == 401
    assert beacon.status_code == 204
