"""Fixtures for service tests that need a database shared by several threads."""

from __future__ import annotations

import pytest

from cms import create_app
from cms.extensions import db
from tests.conftest import TEST_DATABASE_URL, create_database, drop_database


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
    file (WAL, as in production) or a fresh PostgreSQL database; schema created."""
    if request.param == "sqlite-file":
        url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    else:
        url = create_database(TEST_DATABASE_URL, "cms_shared")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        drop_database(TEST_DATABASE_URL, url)
