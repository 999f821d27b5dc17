"""Fixtures for the menu tests: a logged-in editor, categories and pages to
link to, and the header/footer links of a public page."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Category, Menu, MenuItem, User
from cms.services.page_edits import PageInput
from cms.services.pages import create_page


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def header_links(client, path: str = "/") -> list[tuple[str, str]]:
    """(label, href) of the header's navigation menu on a public page."""
    soup = parse(client.get(path))
    return [(a.get_text(), a["href"]) for a in soup.select("header nav.site-menu a")]


def footer_links(client, path: str = "/") -> list[tuple[str, str]]:
    """(label, href) of the footer's friend links."""
    soup = parse(client.get(path))
    return [(a.get_text(), a["href"]) for a in soup.select("footer nav.friend-links a")]


def stored(menu: Menu) -> list[tuple]:
    """(position, label, url, category_id, page_id) of a menu, in order."""
    query = (
        select(MenuItem)
        .where(MenuItem.menu == menu)
        .order_by(MenuItem.position)
        .execution_options(populate_existing=True)
    )
    return [
        (i.position, i.label, i.url, i.category_id, i.page_id)
        for i in db.session.scalars(query)
    ]


def user_named(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def staff(client, login, editor):
    """The test client, logged in as an editor."""
    assert login(editor).status_code == 303
    return client


@pytest.fixture
def category(app):
    """A category 理财 (slug li-cai); returns its id."""
    with app.app_context(), write_transaction():
        item = Category(name="理财", slug="li-cai")
        db.session.add(item)
        db.session.flush()
        return item.id


@pytest.fixture
def add_page(app, editor):
    """add_page(title, slug, publish=True) -> page id."""

    def add(title: str, slug: str, publish: bool = True) -> int:
        with app.app_context():
            page = create_page(
                PageInput(title, slug=slug), user_named(editor), publish=publish
            )
            return page.id

    return add
