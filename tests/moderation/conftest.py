"""Fixtures for the moderation tests: an article, a logged-in editor's
client, and a way to run code against the database between requests."""

from __future__ import annotations

import pytest

from tests.factories import make_article, make_user


@pytest.fixture
def db_ctx(app):
    """`with db_ctx():` an application context for services and checks; keep
    requests outside it (one in-memory SQLite connection is shared)."""
    return app.app_context


@pytest.fixture
def article(app):
    """A published article by an author without a password (fast)."""
    with app.app_context():
        owner = make_user(username="writer", password=None)
        return make_article(title="评论审核测试文章", owner=owner)


@pytest.fixture
def other_article(app):
    with app.app_context():
        owner = make_user(username="writer2", password=None)
        return make_article(title="另一篇文章", owner=owner)


@pytest.fixture
def staff(client, login, editor):
    """The test client, logged in as an editor."""
    assert login(editor).status_code == 303
    return client
