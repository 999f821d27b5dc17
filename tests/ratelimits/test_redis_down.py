"""Redis stopped (or frozen) under a running app: login, comments, password
change and the tip beacon still answer, their limits still hold through the
database, the switch is logged once, and Redis is used again once it is back.
(Failed logins and password changes never used Redis: they count in the
database from the start, so a stop cannot reset them.)"""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select

from cms.extensions import db, limiter
from tests.comments.support import post_comment, reader

RETRY_SECONDS = 0.5
FALLBACK_LOG = "cms.ratelimit.fallback"


@pytest.fixture
def app_config(app_config, redis_server):
    app_config["REDIS_URL"] = redis_server.url
    app_config["RATELIMIT_REDIS_RETRY_SECONDS"] = RETRY_SECONDS
    app_config["TIP_BEACON_LIMIT"] = "3 per minute"
    return app_config


def failed_login(client, ip: str, n: int):
    """A wrong password for a different (unknown) account each time, so only
    the per-address limit can refuse it."""
    return client.post(
        "/auth/login",
        data={"username": f"nobody{n}", "password": "wrong password 123"},
        environ_base={"REMOTE_ADDR": ip},
    )


def db_keys(app, part: str) -> list[str]:
    from cms.models import RateLimit

    with app.app_context():
        return [k for k in db.session.scalars(select(RateLimit.key)) if part in k]


def fallback_messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == FALLBACK_LOG]


def beacon(client, article, ip: str):
    """A tip-box beacon: its limit (TIP_BEACON_LIMIT) is Flask-Limiter's."""
    return client.post(
        f"/tip/{article.public_id}/open", environ_base={"REMOTE_ADDR": ip}
    )


def test_limits_go_to_the_database_and_return_to_redis(
    app, client, article, redis_server, caplog
):
    caplog.set_level(logging.WARNING, logger=FALLBACK_LOG)
    assert beacon(client, article, "192.0.2.1").status_code == 204
    assert redis_server.keys("*192.0.2.1*"), "Redis keeps the counts while it runs"
    assert not db_keys(app, "192.0.2.1")

    redis_server.stop()
    answers = [beacon(client, article, "192.0.2.2").status_code for _ in range(5)]

    assert answers == [204] * 3 + [429] * 2
    assert db_keys(app, "192.0.2.2")
    down = fallback_messages(caplog)
    assert len(down) == 1 and "unreachable" in down[0]

    redis_server.start()
    time.sleep(RETRY_SECONDS + 0.1)
    assert beacon(client, article, "192.0.2.3").status_code == 204
    assert redis_server.keys("*192.0.2.3*"), "back on Redis"
    assert not db_keys(app, "192.0.2.3")
    back = fallback_messages(caplog)
    assert len(back) == 2 and "again" in back[1]


def test_a_frozen_redis_costs_a_request_about_one_timeout(
    app, client, article, redis_server
):
    limiter.storage.retry_seconds = 30  # no retry between the two requests
    redis_server.pause()
    try:
        started = time.monotonic()
        first = beacon(client, article, "192.0.2.4")
        first_took = time.monotonic() - started
        started = time.monotonic()
        second = beacon(client, article, "192.0.2.4")
        second_took = time.monotonic() - started
    finally:
        redis_server.resume()

    assert first.status_code == second.status_code == 204
    # A hit of 0.5 s at most (plus a loaded machine): not the minutes a
    # client without a timeout would wait.
    assert first_took < 5
    # Within the retry interval Redis is not asked: no timeout to wait for.
    assert limiter.storage.using_fallback
    assert second_took < 0.5


def test_failed_logins_hold_exactly_through_a_redis_stop(app, client, redis_server):
    """Counted in the database from the start (cms.services.address_limits):
    the guesses made before the stop still count after it."""
    before = [failed_login(client, "192.0.2.7", n).status_code for n in range(3)]
    assert not redis_server.keys("*192.0.2.7*")

    redis_server.stop()
    after = [failed_login(client, "192.0.2.7", 3 + n).status_code for n in range(4)]

    assert before + after == [401] * 5 + [429] * 2
    assert db_keys(app, "192.0.2.7")


def test_comments_keep_the_flood_limit(app, client, article, redis_server):
    redis_server.stop()

    first = post_comment(client, article.public_id, ip="192.0.2.5", **reader(1))
    second = post_comment(client, article.public_id, ip="192.0.2.5", **reader(2))
    other = post_comment(client, article.public_id, ip="192.0.2.6", **reader(3))

    assert first.status_code == 303
    assert second.status_code == 429
    assert 1 <= int(second.headers["Retry-After"]) <= 15
    assert other.status_code == 303
    assert db_keys(app, "comment-flood")


def test_password_change_keeps_its_limit(app, client, login, editor, redis_server):
    assert login(editor).status_code == 303
    redis_server.stop()

    answers = [
        client.post(
            "/moderation/password",
            data={
                "current_password": f"not my password {n}",
                "new_password": "a brand new passphrase",
                "confirm": "a brand new passphrase",
            },
        ).status_code
        for n in range(6)
    ]

    assert answers == [400] * 5 + [429]


def test_the_tip_beacon_keeps_its_limit(app, client, article, redis_server):
    redis_server.stop()

    answers = [
        client.post(f"/tip/{article.public_id}/open").status_code for _ in range(4)
    ]

    assert answers == [204, 204, 204, 429]
