"""The seeded site served the production way, for the checks of faults and
load: a copy of the Site's database (its SQLite file, or the same rows in a
PostgreSQL database of a throwaway cluster), gunicorn with several workers on
it, and an app of the check's own on the same database to audit what the
server stored.

A planted fault must reach the server's processes, which a monkeypatch in
the check's process does not: a planted fault names a function
("module:function") in `SERVER_FAULT`, and servers then run
tests.security.planted_app, which calls it before loading wsgi:app."""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from cms import create_app
from cms.extensions import db
from cms.services import portable
from cms.services.settings import set_settings
from tests.security.harness import Site
from tests.servers import Gunicorn, PostgresCluster, server_env

# Set by a planted fault (monkeypatch.setattr): "module:function" to call in
# every server process before the app is loaded.
SERVER_FAULT: str | None = None

# The comment rules that refuse a crowd of readers posting at once from one
# address within seconds of loading the page: the flood limit (one comment
# per 15 s per address) and the too-fast rule (a form sent back within 3 s).
# Checks of storage under load switch them off on their copy, so that every
# post reaches the database; each check says when it keeps them.
LOAD_SETTINGS = {"comments.flood_seconds": "0", "comments.min_submit_seconds": "0"}


@contextmanager
def quiet_logs() -> Iterator[None]:
    """Keep the app's own log (errors it answers with a 503 on purpose, the
    fallbacks it takes) off the check's output while the block runs, and
    leave the logger as it was (Flask adds its stderr handler to the `cms`
    logger the first time an app logs)."""
    logger = logging.getLogger("cms")
    level, handlers = logger.level, list(logger.handlers)
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
        logger.handlers[:] = handlers


def audit_app(url: str, folder: Path, **config: object) -> Flask:
    """An app of the check's own on `url`, its uploads in `folder`/media
    (the served copy's), with no page cache and no Redis; `config` on top."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": None,
            "MEDIA_URL": f"file://{folder / 'media'}",
        }
        | config
    )


def close_app(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def copy_site(site: Site, folder: Path, cluster: PostgresCluster | None = None) -> str:
    """A copy of the Site's database: its SQLite file in `folder`, or, with
    `cluster`, its rows in a new PostgreSQL database there (schema from the
    models, rows through the site's export and import); and its uploads in
    `folder`/media. The database's URL."""
    if (site.folder / "media").exists():
        shutil.copytree(site.folder / "media", folder / "media")
    if cluster is None:
        shutil.copy(site.folder / "site.sqlite", folder / "copy.sqlite")
        return f"sqlite:///{folder / 'copy.sqlite'}"
    document = io.StringIO()
    with site.context():
        db.session.rollback()
        portable.write_export(document, media=False)
        db.session.rollback()
    document.seek(0)
    url = cluster.create_database("cms_check")
    app = audit_app(url, folder)
    with app.app_context():
        db.create_all()
        portable.load_document(portable.read_document(document))
    close_app(app)
    return url


def apply_settings(url: str, folder: Path, settings: dict[str, str]) -> None:
    """Store site settings in the database at `url` (a copy in `folder`)."""
    if not settings:
        return
    app = audit_app(url, folder)
    with app.app_context():
        set_settings(settings)
    close_app(app)


def gunicorn(url: str, folder: Path, workers: int = 4, **env: str) -> Gunicorn:
    """gunicorn (not started) on `url` with `workers` workers, the app
    imported once before they fork (see Gunicorn), the planted fault if any."""
    environment = server_env(url, folder, **env)
    app = "wsgi:app"
    if SERVER_FAULT is not None:
        environment["SECURITY_FAULT"] = SERVER_FAULT
        app = "tests.security.planted_app:app"
    return Gunicorn(workers, environment, folder / "access.log", app=app, preload=True)


@dataclass
class Served:
    """A served copy: the server, the database URL and an audit app on it."""

    server: Gunicorn
    url: str
    app: Flask
    folder: Path


@contextmanager
def served(
    site: Site,
    settings: dict[str, str] | None = None,
    cluster: PostgresCluster | None = None,
    workers: int = 4,
    **env: str,
) -> Iterator[Served]:
    """Serve a copy of the site (on `cluster` when given) with `settings`
    stored first and `env` added to the server's environment; everything
    is stopped and removed on the way out."""
    with tempfile.TemporaryDirectory(prefix="cms-served-") as tmp:
        folder = Path(tmp)
        url = copy_site(site, folder, cluster)
        apply_settings(url, folder, LOAD_SETTINGS if settings is None else settings)
        app = audit_app(url, folder)
        server = gunicorn(url, folder, workers, **env)
        try:
            yield Served(server.start(), url, app, folder)
        finally:
            # At once: the check has read what it needs (a graceful stop
            # costs seconds, for views the workers buffered).
            server.stop(graceful=False)
            close_app(app)


@contextmanager
def database_server(backend: str, **options: str) -> Iterator[PostgresCluster | None]:
    """None for "sqlite" (a file needs no server); for "postgresql" a
    throwaway cluster (tests/servers/) with `options`, stopped afterwards."""
    if backend == "sqlite":
        yield None
        return
    with PostgresCluster(options) as cluster:
        yield cluster
