"""A real server on a temporary SQLite file with the demo site, one headless
Chromium for the whole session, and a fresh browser context per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.support import (
    CHROMIUM,
    DESKTOP,
    REFERENCE_PATH,
    ROOT,
    chromium,
    serve,
)


@dataclass(frozen=True)
class LiveServer:
    """Where the test server answers, and the demo paths the tests visit."""

    origin: str
    category_path: str

    def url(self, path: str) -> str:
        return self.origin + path


def _build_app(database: Path, origin: str):
    from flask_migrate import upgrade
    from sqlalchemy import select

    from cms import create_app
    from cms.extensions import db
    from cms.models import Article
    from cms.services.demo import REFERENCE_PUBLIC_ID, seed_demo

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SITE_URL": origin,
            # A browser test is a reader: let errors render as the reader sees them.
            "TESTING": False,
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed_demo()
        reference = db.session.scalar(
            select(Article).where(Article.public_id == REFERENCE_PUBLIC_ID)
        )
        category_path = f"/category/{reference.category.slug}/"
        db.session.remove()
    return app, category_path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The app, migrated and seeded with the demo site, served on 127.0.0.1."""
    database = tmp_path_factory.mktemp("e2e-db") / "cms.sqlite"
    built: list = []

    def build(origin: str):
        app, category_path = _build_app(database, origin)
        built.append((app, category_path))
        return app

    try:
        with serve(build) as (origin, _app):
            yield LiveServer(origin=origin, category_path=built[0][1])
    finally:
        from cms.extensions import db

        for app, _path in built:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session."""
    pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: the browser tests need Debian's chromium")
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, live_server):
    """One page in a fresh context: desktop size, light scheme, Chinese locale.
    Tests change size and scheme with set_viewport_size / emulate_media."""
    context = browser.new_context(
        viewport=DESKTOP, color_scheme="light", locale="zh-CN", java_script_enabled=True
    )
    context.set_default_timeout(10_000)
    # Nothing leaves the machine: a request to another host is answered with a
    # network error at once (test_assets still sees it being made).
    own = live_server.origin + "/"
    context.route(
        lambda url: not url.startswith(own),
        lambda route: route.abort("blockedbyclient"),
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def reference_path() -> str:
    return REFERENCE_PATH
