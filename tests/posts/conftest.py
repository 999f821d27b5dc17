"""Fixtures for the posts area: logged-in clients of each role, a second
contributor, and articles written through the editor's service."""

from __future__ import annotations

import pytest

from cms.extensions import db
from cms.models import Role, User
from cms.services import editorial
from cms.services.article_edits import ArticleEdit
from tests.conftest import PASSWORD
from tests.factories import make_user


def user_named(username: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == username))


def client_for(app, username: str):
    """A new test client, logged in as `username`."""
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 303
    return client


@pytest.fixture
def other_contributor(app):
    with app.app_context():
        return make_user(
            username="other-writer",
            role=Role.CONTRIBUTOR,
            display_name="另一位投稿者",
        ).username


@pytest.fixture
def as_editor(app, editor):
    return client_for(app, editor)


@pytest.fixture
def as_admin(app, admin):
    return client_for(app, admin)


@pytest.fixture
def as_contributor(app, contributor):
    return client_for(app, contributor)


@pytest.fixture
def as_other(app, other_contributor):
    return client_for(app, other_contributor)


@pytest.fixture
def write(app):
    """write(username, title=…, action="save", **fields): an article created
    through the service as that user; returns its id."""

    def make(username: str, title: str = "一篇文章", action: str = "save", **fields):
        with app.app_context():
            edit = ArticleEdit(
                title=title, body_markdown=fields.pop("body", "正文。"), **fields
            )
            return editorial.create(user_named(username), edit, action).id

    return make
