"""Fixtures for the categories tests: an editor's client, and categories and
articles made through the services."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, User
from cms.services.categories import create_category
from tests.factories import make_article, make_user


@pytest.fixture
def staff(client, login, editor):
    """The test client, logged in as an editor."""
    assert login(editor).status_code == 303
    return client


@pytest.fixture
def db_ctx(app):
    """`with db_ctx():` an application context for services and checks; keep
    requests outside it (one in-memory SQLite connection is shared)."""
    return app.app_context


@pytest.fixture
def add_category(app):
    """add_category(name, parent=None, slug="") -> the new category's id."""

    def add(name: str, parent: int | None = None, slug: str = "") -> int:
        with app.app_context():
            return create_category(name, None, slug=slug, parent_id=parent).id

    return add


@pytest.fixture
def add_article(app):
    """add_article(category_id, **overrides) -> the article's id, by a
    password-less author (fast)."""

    def add(category_id: int | None, **overrides) -> int:
        with app.app_context():
            owner = db.session.scalar(select(User).where(User.username == "writer"))
            owner = owner or make_user(username="writer", password=None)
            article_id = make_article(owner=owner, **overrides).id
            with write_transaction():
                db.session.get(Article, article_id).category_id = category_id
            return article_id

    return add
