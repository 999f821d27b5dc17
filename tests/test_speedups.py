"""The suite's shortcuts (tests/speedups.py) give what they stand for: the
URL builders werkzeug would compile, the schema `create_all` makes, and the
empty database TRUNCATE leaves."""

from __future__ import annotations

import sqlite3

import pytest
from flask import url_for
from jinja2 import DictLoader, Environment
from sqlalchemy import inspect, select, text

from cms import create_app
from cms.extensions import db
from tests.factories import make_article, make_comment, make_user
from tests.speedups import (
    SHARED_TEMPLATES,
    copy_database,
    copy_sqlite_schema,
    route_builders_match,
)


@pytest.fixture
def memory_app():
    """An app on in-memory SQLite, made outside `app` (no backend: SQLite pass)."""
    made = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    yield made
    with made.app_context():
        db.engine.dispose()


def test_every_route_builder_is_the_one_werkzeug_compiles(memory_app):
    rules = list(memory_app.url_map.iter_rules())
    assert len(rules) > 100
    assert route_builders_match(rules) == []


def test_two_apps_build_the_same_urls(memory_app):
    other = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for made in (memory_app, other):
        with made.test_request_context():
            assert url_for("static", filename="a b.css") == "/static/a%20b.css"
            assert url_for("static", filename="x.css", v=3) == "/static/x.css?v=3"
    with other.app_context():
        db.engine.dispose()


def _schema(connection: sqlite3.Connection) -> list[tuple]:
    return sorted(
        connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
        ).fetchall()
    )


def test_the_copied_schema_is_the_one_create_all_makes(memory_app, tmp_path):
    with memory_app.app_context():
        copy_sqlite_schema(db)  # the first in a process makes it with create_all
        copy_sqlite_schema(db)  # later ones copy it
    made = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"})
    with made.app_context():
        db.create_all()
        db.engine.dispose()
    with memory_app.app_context():
        raw = db.engine.raw_connection()
        try:
            copied = _schema(raw.driver_connection)
            foreign_keys = raw.driver_connection.execute(
                "PRAGMA foreign_keys"
            ).fetchone()
        finally:
            raw.close()
    with sqlite3.connect(tmp_path / "m.db") as fresh:
        assert copied == _schema(fresh)
    assert len(copied) > 100
    assert foreign_keys == (1,)  # the connection's own settings survive the copy


def test_the_next_test_starts_empty(app):
    """Rows and ids of one app (on PostgreSQL: one test) are gone for the next
    (see the test below, which runs after this one in the same worker)."""
    with app.app_context():
        user = make_user(username="first-of-two")
        assert user.id == 1


def _build_a_site() -> None:
    owner = make_user(username="copied-owner")
    article = make_article(owner=owner, title="复制的文章")
    for n in range(3):
        make_comment(article, body=f"评论 {n}")


def _rows() -> dict[str, list[str]]:
    db.session.rollback()
    return {
        table.name: sorted(map(repr, db.session.execute(select(table))))
        for table in db.metadata.sorted_tables
    }


_built: dict[str, object] = {}


def test_copy_database_builds_the_first_time(app):
    """The first call builds (and keeps a copy; see the test below, which
    runs after this one in the same worker and gets the copy)."""
    with app.app_context():
        copy_database(db, "speedups-copy", _build_a_site)
        _built["rows"] = _rows()
        _built["next user"] = make_user(username="after-the-site").id
    assert _built["rows"]["comments"]


def test_copy_database_copies_the_rows_and_the_sequences(app):
    if not _built:
        pytest.skip("the test above did not run first in this worker")
    with app.app_context():
        assert _rows()["users"] == []
        copy_database(db, "speedups-copy", lambda: pytest.fail("built again"))
        assert _rows() == _built["rows"]
        assert make_user(username="after-the-site").id == _built["next user"]


def test_the_next_test_starts_empty_second(app):
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
        assert names >= set(db.metadata.tables)
        counts = {
            name: db.session.scalar(text(f'SELECT count(*) FROM "{name}"'))
            for name in db.metadata.tables
        }
        assert {name: n for name, n in counts.items() if n} == {}
        user = make_user(username="second-of-two")
        assert user.id == 1  # sequences restarted, as RESTART IDENTITY does


def test_a_template_compiled_by_one_app_serves_the_next(memory_app, monkeypatch):
    """The second app renders from the kept code, the same text as the first,
    and a differently configured environment (the mail overlay: no escaping,
    trim_blocks) compiles its own."""
    source = "{% if x %}\n<b>{{ x }}</b>\n{% endif %}\n"
    loader = DictLoader({"probe.html": source})
    first, second = Environment(loader=loader), Environment(loader=loader)
    for env in (first, second):
        env.bytecode_cache = SHARED_TEMPLATES
    overlay = second.overlay(autoescape=False, trim_blocks=True)
    assert first.get_template("probe.html").render(x="<i>") == "\n<b><i></b>\n"
    compiled: list[str] = []
    real = Environment.compile

    def spy(self, source, name=None, *args, **kwargs):
        compiled.append(name)
        return real(self, source, name, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", spy)
    assert second.get_template("probe.html").render(x="<i>") == "\n<b><i></b>\n"
    assert compiled == []
    assert overlay.get_template("probe.html").render(x="<i>") == "<b><i></b>\n"
    assert compiled == ["probe.html"]
    with memory_app.test_request_context():
        assert memory_app.jinja_env.bytecode_cache is SHARED_TEMPLATES
