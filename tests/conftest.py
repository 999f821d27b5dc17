"""Fixtures: an app per test on SQLite in memory, or on the PostgreSQL database
that TEST_DATABASE_URL names (a fresh database per run, dropped at the end)."""

from __future__ import annotations

import logging
import os
import tempfile
import uuid

# Apps the tests make outside `app` (and servers they start) store uploads in
# a folder of this process, never in the checkout's instance/ (set before the
# config is read).
os.environ.setdefault("MEDIA_URL", f"file://{tempfile.mkdtemp(prefix='cms-media-')}")

import pytest
from flask import current_app, has_app_context
from PIL import ImageFile
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cms import create_app
from cms.extensions import db
from cms.models import Role
from cms.services.outbox import deliver_due
from tests.email.support import SMTPServer
from tests.factories import make_user
from tests.speedups import (
    copy_sqlite_schema,
    empty_postgres,
    memoize_route_builders,
    share_compiled_templates,
)

memoize_route_builders()  # each app still compiles its own routes' regexes
share_compiled_templates()  # each app still loads and checks its templates

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
PASSWORD = "correct horse battery staple"


def _admin_engine(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=None)


def create_database(base_url: str, prefix: str) -> str:
    """CREATE a uniquely named database next to `base_url`'s; returns its URL."""
    url = make_url(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = _admin_engine(base_url)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(base_url: str, url: str) -> None:
    """DROP the database `url` names (closing its connections first)."""
    name = make_url(url).database
    engine = _admin_engine(base_url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url():
    """The URL tests run on: in-memory SQLite, or a fresh PostgreSQL database."""
    if not TEST_DATABASE_URL:
        yield "sqlite://"
        return
    url = create_database(TEST_DATABASE_URL, "cms_test")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    drop_database(TEST_DATABASE_URL, url)


def _empty_tables() -> None:
    empty_postgres(db.session, [table.name for table in db.metadata.sorted_tables])


@pytest.fixture(scope="session")
def redis_prefix():
    """This run's key prefix in the shared Redis (None without Redis).

    Flask-Limiter takes the prefix from the first app it is bound to, so the
    prefix is per run; `app` deletes the run's keys after every test."""
    if not TEST_REDIS_URL:
        return None
    return f"cms-test-{uuid.uuid4().hex[:12]}"


def _delete_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL)
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def app_config(database_url, redis_prefix, tmp_path):
    """Config overrides for the test's app; tests may add to it before `app`.
    Uploads go to a folder of the test's own (never the checkout's instance/)."""
    config = {"SQLALCHEMY_DATABASE_URI": database_url,
              "MEDIA_URL": f"file://{tmp_path / 'media'}"}  # fmt: skip
    if TEST_REDIS_URL:
        config["REDIS_URL"] = TEST_REDIS_URL  # limits: Redis, the database as fallback
        config["RATELIMIT_KEY_PREFIX"] = redis_prefix
    return config


@pytest.fixture
def app(app_config):
    """A fresh app per test, with an empty schema."""
    app = create_app(app_config)
    # SQLite (in memory, or a file a test asked for): a schema of its own.
    uri = app_config["SQLALCHEMY_DATABASE_URI"]
    sqlite, memory = uri.startswith("sqlite"), uri == "sqlite://"
    with app.app_context():
        if memory:
            copy_sqlite_schema(db)  # what create_all makes, copied
        elif sqlite:
            db.create_all()
    yield app
    if app_config.get("RATELIMIT_KEY_PREFIX"):
        _delete_redis_keys(app_config["RATELIMIT_KEY_PREFIX"])
    with app.app_context():
        db.session.remove()
        if sqlite and not memory:
            db.drop_all()
        elif not sqlite:
            _empty_tables()
        db.engine.dispose()  # an in-memory database goes with its connection


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield app


def _role_fixture(role: Role):
    @pytest.fixture
    def make(app):
        with app.app_context():
            user = make_user(
                username=f"{role.value}-user", role=role, password=PASSWORD
            )
            return user.username

    return make


admin = _role_fixture(Role.ADMIN)
editor = _role_fixture(Role.EDITOR)
contributor = _role_fixture(Role.CONTRIBUTOR)


@pytest.fixture
def login(client):
    """login(username) posts the login form; returns the response."""

    def do_login(username: str, password: str = PASSWORD, next_url: str | None = None):
        path = "/auth/login" + (f"?next={next_url}" if next_url else "")
        return client.post(path, data={"username": username, "password": password})

    return do_login


# Databases that separate connections really share: a SQLite file (WAL, as in
# production), and PostgreSQL when TEST_DATABASE_URL names one.
SHARED_BACKENDS = [
    "sqlite-file",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set"
        ),
    ),
]


@pytest.fixture(params=SHARED_BACKENDS)
def shared_app(request, tmp_path):
    """An app on a database that separate connections really share, for tests
    with several threads: a SQLite file (WAL, as in production) or a fresh
    PostgreSQL database; schema created, dropped afterwards."""
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


@pytest.fixture
def keep_logging():
    """migrations/env.py calls logging.config.fileConfig, which resets the root
    logger and disables every other one; put things back for the other tests."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {
        name: (lg.disabled, lg.level, list(lg.handlers), lg.propagate)
        for name, lg in logging.root.manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, lg in logging.root.manager.loggerDict.items():
        if not isinstance(lg, logging.Logger):
            continue
        if name in saved:
            lg.disabled, level, handlers, lg.propagate = saved[name]
            lg.setLevel(level)
            lg.handlers[:] = handlers
        else:
            lg.disabled = False


@pytest.fixture(params=SHARED_BACKENDS)
def new_database(request, tmp_path):
    """new_database() gives the URL of a new, empty database of the backend."""
    made: list[str] = []

    def make() -> str:
        if request.param == "sqlite-file":
            url = f"sqlite:///{tmp_path / f'db{len(made)}.sqlite'}"
        else:
            url = create_database(TEST_DATABASE_URL, "cms_migrations")
        made.append(url)
        return url

    yield make
    if request.param == "postgresql":
        for url in made:
            drop_database(TEST_DATABASE_URL, url)


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) for the run; `inbox` empties it for
    each test. Point the app at it with MAIL_URL = smtp_server.url."""
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def inbox(smtp_server, request):
    """The test server's inbox, emptied. The app's mail goes through its
    outbox: `take()` first delivers what the test's app queued (the sender
    thread is off in tests, so each test decides when delivery happens)."""

    def deliver_outbox() -> None:
        if "app" not in request.fixturenames:
            return
        app = request.getfixturevalue("app")
        if has_app_context() and current_app._get_current_object() is app:
            deliver_due()  # the test's own context (one in-memory connection)
            return
        with app.app_context():
            deliver_due()

    smtp_server.inbox.clear()
    smtp_server.inbox.before_take = deliver_outbox
    yield smtp_server.inbox
    smtp_server.inbox.before_take = None
    smtp_server.inbox.clear()


@pytest.fixture
def decoded_sizes(monkeypatch) -> list[tuple[int, int]]:
    """The size of every image whose pixels Pillow decodes from a file."""
    seen: list[tuple[int, int]] = []
    real = ImageFile.ImageFile.load

    def spy(self):
        if self.tile:  # pixels still to decode (a later load() is a no-op)
            seen.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return seen


# The PostgreSQL + Redis pass (TEST_DATABASE_URL or TEST_REDIS_URL set) runs
# only what those servers can change: tests that take the run's database or
# Redis through the fixtures above, and modules that read the two variables
# themselves (tests that start servers or databases of their own with them);
# of a test parametrized over backends, the SQLite variants ran in the SQLite
# pass. Everything else (pure functions, benchmarks' smoke runs, apps on a
# SQLite file of their own) ran the same way in the SQLite pass.
_BACKEND_FIXTURES = frozenset({"database_url", "redis_prefix", "shared_app",
                               "new_database"})  # fmt: skip
_SQLITE_VARIANTS = frozenset({"sqlite", "sqlite-file"})


def _uses_backends(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and any(
        isinstance(value, str) and value in _SQLITE_VARIANTS
        for value in callspec.params.values()
    ):
        return False
    if _BACKEND_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    return any(
        getattr(module, name, None) is not None
        for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL")
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    if not (TEST_DATABASE_URL or TEST_REDIS_URL):
        return
    kept = [item for item in items if _uses_backends(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
