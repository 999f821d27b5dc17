"""Fixtures for the comment tests: an article open for comments, and settings
that keep the timing rules out of the way unless a test sets them."""

from __future__ import annotations

import pytest

from cms.services.settings import set_setting
from tests.factories import make_article, make_user


@pytest.fixture
def writer(app):
    """An author without a password (no hashing: fast)."""
    with app.app_context():
        return make_user(username="writer", password=None)


@pytest.fixture
def article(app, writer):
    """A published article, open for comments, detached with its columns
    loaded. comments.min_submit_seconds and comments.flood_seconds are 0 here:
    tests of those rules set them back."""
    with app.app_context():
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.flood_seconds", "0")
        return make_article(title="评论测试文章", owner=writer)


@pytest.fixture
def publish(app, writer):
    """publish(**overrides): another published article by `writer`."""

    def do(**overrides):
        overrides.setdefault("owner", writer)
        with app.app_context():
            return make_article(**overrides)

    return do


@pytest.fixture
def settings(app):
    """settings(key=value, ...) with dots written as double underscores:
    settings(comments__hold_first="false")."""

    def do(**values: str) -> None:
        with app.app_context():
            for key, value in values.items():
                set_setting(key.replace("__", "."), value)

    return do
