"""Fixtures of the rate-limit tests: an article open for comments, and a
Redis server of the test's own."""

from __future__ import annotations

import pytest

from cms.services.settings import set_setting
from tests.factories import make_article, make_user
from tests.ratelimits.support import RedisServer


@pytest.fixture
def article(app):
    """A published article open for comments; the 3-second bot rule off, the
    flood rule at its default (15 s)."""
    with app.app_context():
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.flood_seconds", "15")
        owner = make_user(username="writer", password=None)
        return make_article(title="限流测试文章", owner=owner)


@pytest.fixture
def redis_server():
    """A Redis of this test's own on a free loopback port, killed afterwards."""
    server = RedisServer().start()
    yield server
    server.stop()
