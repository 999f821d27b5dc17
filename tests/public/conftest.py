"""Fixtures for the readers' pages: articles stored through the factories, and
parsed answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup

from cms.services.settings import set_setting
from tests.factories import make_article, make_user

SITE_NAME = "资源分享网"
# 18:30 UTC on 10 December is already 11 December in Shanghai.
EVENING_UTC = datetime(2024, 12, 10, 18, 30, tzinfo=UTC)


def parse(response) -> BeautifulSoup:
    """The response body as a parsed HTML document."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def card_titles(soup: BeautifulSoup) -> list[str]:
    """The titles of the article cards of a list page, in page order."""
    return [a.get_text(strip=True) for a in soup.select("article.card .card-title a")]


@pytest.fixture
def site(app):
    """Give the site its demo name (the header, the attribution and the feed use it)."""
    with app.app_context():
        set_setting("site.name", SITE_NAME)
    return SITE_NAME


@pytest.fixture
def writer(app):
    """An author without a password (no hashing: fast); detached, columns loaded."""
    with app.app_context():
        return make_user(username="writer", display_name="王小明", password=None)


@pytest.fixture
def publish(app, writer):
    """publish(**overrides) stores an article (published an hour ago unless
    overridden, by `writer` unless `owner=` is given) and returns it, detached
    with its columns loaded."""

    def do(**overrides):
        overrides.setdefault("owner", writer)
        with app.app_context():
            return make_article(**overrides)

    return do
