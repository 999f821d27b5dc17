"""Fixtures for the moderation service tests: an editor to act as, an article
(`shared_app`, for tests with threads, is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from cms.models import Role
from tests.factories import make_article, make_user


@pytest.fixture
def actor(ctx):
    """The editor the actions are done as (a User of this test's session)."""
    return make_user(username="moderator", role=Role.EDITOR)


@pytest.fixture
def article(ctx):
    return make_article()
