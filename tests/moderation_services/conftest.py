"""Fixtures for the moderation service tests: an editor to act as, an
article, and an app on a database several threads really share."""

from __future__ import annotations

import pytest

from cms import create_app
from cms.extensions import db
from cms.models import Role
from tests.conftest import TEST_DATABASE_URL, create_database, drop_database
from tests.factories import make_article, make_user


@pytest.fixture
def actor(ctx):
    """The editor the actions are done as (a User of this test's session)."""
    return make_user(username="moderator", role=Role.EDITOR)


@pytest.fixture
def article(ctx):
    return make_article()


@pytest.fixture(
    params=[
        "sqlite-file",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set"
            ),
        ),
    ]
)
def shared_app(request, tmp_path):
    """An app on a database that separate connections really share: a SQLite
    file (WAL) or a fresh PostgreSQL database; schema created, dropped after."""
    if request.param == "sqlite-file":
        url = f"sqlite:///{tmp_path / 'moderation.sqlite'}"
    else:
        url = create_database(TEST_DATABASE_URL, "cms_moderation")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        drop_database(TEST_DATABASE_URL, url)
