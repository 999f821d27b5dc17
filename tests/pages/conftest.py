"""Fixtures for the page tests: a logged-in editor's client, pages stored
through the service, and parsed answers."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import AuditEntry, Page, User
from cms.services.page_edits import PageInput
from cms.services.pages import create_page


def parse(response) -> BeautifulSoup:
    """The response body as a parsed HTML document."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def user_named(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def page_by_slug(slug: str) -> Page | None:
    """The page with this slug, fresh from the database (inside a context)."""
    return db.session.scalar(
        select(Page).where(Page.slug == slug).execution_options(populate_existing=True)
    )


def actions() -> list[str]:
    """The audit log's actions, oldest first."""
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def form_data(**overrides) -> dict[str, str]:
    """What the editor posts: every field of the form."""
    data = {
        "title": "关于我们",
        "slug": "",
        "parent_id": "",
        "position": "0",
        "body": "我们是一个**资源分享**网站。",
        "version": "",
        "do": "save",
    }
    return data | {key: str(value) for key, value in overrides.items()}


@pytest.fixture
def staff(client, login, editor):
    """The test client, logged in as an editor."""
    assert login(editor).status_code == 303
    return client


@pytest.fixture
def add_page(app, editor):
    """add_page(title, publish=True, **fields) stores a page as the editor and
    returns its id."""

    def add(title: str, publish: bool = True, **fields) -> int:
        with app.app_context():
            actor = user_named(editor)
            page = create_page(PageInput(title, **fields), actor, publish=publish)
            return page.id

    return add


def body_text(soup: BeautifulSoup) -> str:
    """The body textarea's text as a browser reads it (the newline WTForms
    puts after the opening tag is not part of the value)."""
    text = soup.select_one("textarea[name=body]").get_text()
    return text.removeprefix("\r\n").removeprefix("\n")
