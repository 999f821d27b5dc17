"""What makes the suite's app-per-test cheap, without sharing anything between
tests: each test still gets an app, an engine and a database of its own.

- Route builders: werkzeug compiles two URL builders per rule (an AST, then
  `compile()`) in every new app: about 90% of `create_app` (530 rules).
  A builder is a function of the rule's text, its parsed parts and its
  defaults only (it reaches the rule's converters through its `self`
  argument), so one compiled per process serves every app with that rule.
  `memoize_route_builders` keeps them; `route_builders_match` checks an app's
  against freshly compiled ones (tests/test_speedups.py).
- The schema: `db.create_all` on a new in-memory SQLite database (42 tables,
  their indexes, the search triggers) costs more than most tests; a copy of a
  database made once per process by `create_all` (sqlite3's backup, page by
  page) gives the same schema in a fraction of it (`copy_sqlite_schema`).
- Templates: each app's Jinja environment compiles every template it renders
  (most of a typical test's own time); a bytecode cache shared by the
  process's apps keeps each compiled template, keyed by its name, file,
  source and everything of the environment the compiled code depends on
  (the mail overlay's trim_blocks and autoescape differ, so its code too):
  `share_compiled_templates`.
- Rows every test of a module starts from (the demo site, seeded): built
  once per process and copied into each test's empty database
  (`copy_database`: sqlite3's backup for in-memory SQLite, the rows and
  sequence values for PostgreSQL).
- Emptying PostgreSQL after a test: TRUNCATE of every table makes new files
  for each table and index (about 0.5 s for 42 tables); DELETE of the rows and
  a restart of the sequences that moved leaves the same empty database in a
  few milliseconds (`empty_postgres`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.routing.rules import Rule

_original_compile_builder: Callable[..., Any] | None = None
_builders: dict[tuple, Callable[..., Any]] = {}


def _builder_key(rule: Rule, append_unknown: bool) -> tuple:
    defaults = rule.defaults or {}
    return (
        rule.rule,
        append_unknown,
        tuple(rule._trace),
        tuple(defaults),
        # A default for a part of the rule is built into the builder as text.
        tuple(
            rule._converters[name].to_url(value)
            for name, value in defaults.items()
            if name in rule._converters
        ),
    )


def memoize_route_builders() -> None:
    """Compile each distinct URL builder once per process (idempotent). Does
    nothing when werkzeug no longer has the method this wraps."""
    global _original_compile_builder
    original = getattr(Rule, "_compile_builder", None)
    if original is None or _original_compile_builder is not None:
        return
    _original_compile_builder = original

    def compile_builder(self: Rule, append_unknown: bool = True):
        key = _builder_key(self, append_unknown)
        builder = _builders.get(key)
        if builder is None:
            builder = _builders[key] = original(self, append_unknown)
        return builder

    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


def route_builders_match(rules: Iterable[Rule]) -> list[str]:
    """The rules whose builders differ from freshly compiled ones (the code
    werkzeug itself would run); empty when memoizing changed nothing."""
    assert _original_compile_builder is not None, "builders are not memoized"
    differing = []
    for rule in rules:
        builders = ((False, rule._build), (True, rule._build_unknown))
        for append_unknown, built in builders:
            fresh = _original_compile_builder(rule, append_unknown)
            if built.__func__.__code__ != fresh.__code__:  # type: ignore[attr-defined]
                differing.append(f"{rule.rule} (append_unknown={append_unknown})")
    return differing


def _environment_key(environment: Environment, name: str | None) -> tuple:
    """What of an environment the code it compiles for template `name`
    depends on (the lexer's settings, autoescape, extensions, the finalize
    hook, the generator, async, the filters and tests it may name)."""
    autoescape = environment.autoescape
    return (
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        autoescape(name) if callable(autoescape) else autoescape,
        tuple(sorted(environment.extensions)),
        environment.finalize is not None,
        environment.optimized,
        environment.is_async,
        environment.code_generator_class,
        tuple(sorted(environment.filters)),
        tuple(sorted(environment.tests)),
    )


class _SharedTemplates(BytecodeCache):
    """Compiled templates, kept in this process for every app's environment."""

    def __init__(self) -> None:
        self.code: dict[str, tuple[str, Any]] = {}

    def get_bucket(
        self, environment: Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        key = repr((name, filename, _environment_key(environment, name)))
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        kept = self.code.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = (bucket.checksum, bucket.code)


SHARED_TEMPLATES = _SharedTemplates()


def share_compiled_templates() -> None:
    """Every Flask app made in this process from now on keeps its compiled
    templates in SHARED_TEMPLATES (idempotent)."""
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SHARED_TEMPLATES}


_schema: sqlite3.Connection | None = None


def copy_sqlite_schema(db: Any) -> None:
    """Give the app's in-memory SQLite database (the app context's `db`) the
    schema `db.create_all()` makes, copied from a database built by
    `create_all` once per process."""
    global _schema
    raw = db.engine.raw_connection()
    try:
        if _schema is None:
            db.create_all()
            made = sqlite3.connect(":memory:", check_same_thread=False)
            raw.driver_connection.backup(made)
            _schema = made
        else:
            _schema.backup(raw.driver_connection)
    finally:
        raw.close()


_made: dict[str, sqlite3.Connection] = {}
# PostgreSQL: per name, each table's rows and the sequences' last values.
_kept_rows: dict[str, tuple[dict[str, list[dict]], list[tuple[str, int]]]] = {}


def copy_database(db: Any, name: str, build: Callable[[], Any]) -> None:
    """Make the app's empty database (the app context's `db`: schema, no rows)
    what `build()` makes of it: the first time in this process by calling
    `build()` and keeping a copy under `name`, later by copying that. For
    fixtures that build the same rows for every test (the demo site); only
    what `build` leaves in the database is copied, so it must leave nothing
    else (files, caches) a test relies on. In-memory SQLite: the database
    file's pages (sqlite3's backup). PostgreSQL: every table's rows, inserted
    as they were (row triggers off, as in the original they ran already),
    and each sequence set where `build` left it. A database that already
    has rows, or of another kind (a SQLite file), gets `build()`."""
    url = db.engine.url
    if url.render_as_string() == "sqlite://" and not _has_rows(db):
        _copy_sqlite(db, name, build)
    elif url.get_backend_name() == "postgresql" and not _has_rows(db):
        _copy_postgres(db, name, build)
    else:
        build()


def _copy_sqlite(db: Any, name: str, build: Callable[[], Any]) -> None:
    db.session.remove()
    raw = db.engine.raw_connection()
    try:
        made = _made.get(name)
        if made is None:
            raw.close()
            build()
            db.session.remove()
            raw = db.engine.raw_connection()
            made = sqlite3.connect(":memory:", check_same_thread=False)
            raw.driver_connection.backup(made)
            _made[name] = made
        else:
            made.backup(raw.driver_connection)
    finally:
        raw.close()


def _copy_postgres(db: Any, name: str, build: Callable[[], Any]) -> None:
    kept = _kept_rows.get(name)
    if kept is None:
        build()
        db.session.remove()
        with db.engine.connect() as connection:
            rows = {
                table.name: [r._asdict() for r in connection.execute(select(table))]
                for table in db.metadata.sorted_tables
            }
            sequences = connection.execute(
                text(
                    "SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                )
            ).all()
        _kept_rows[name] = (rows, [tuple(s) for s in sequences])
        return
    rows, sequences = kept
    db.session.remove()
    with db.engine.connect() as connection:
        try:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        except DBAPIError:  # an account that may not: the rows are built instead
            connection.rollback()
        else:
            for table in db.metadata.sorted_tables:
                if rows[table.name]:
                    connection.execute(table.insert(), rows[table.name])
            for sequence, value in sequences:
                connection.execute(
                    text("SELECT setval(CAST(quote_ident(:name) AS regclass), :value)"),
                    {"name": sequence, "value": value},
                )
            connection.commit()
            return
    build()


def _has_rows(db: Any) -> bool:
    found = any(
        db.session.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first()
        for name in db.metadata.tables
    )
    db.session.rollback()
    return found


def empty_postgres(session: Any, tables: list[str]) -> None:
    """Delete every row of `tables` and restart the sequences that moved, in
    one round trip: the empty database TRUNCATE ... RESTART IDENTITY leaves.
    Foreign keys and triggers are off for the deletes (replica role, as
    TRUNCATE skips row triggers), so the order does not matter. An account
    that may not take the replica role gets the TRUNCATE."""
    deletes = " ".join(f'DELETE FROM "{name}";' for name in tables)
    try:
        _delete_rows(session, deletes)
    except DBAPIError:
        session.rollback()
        session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    session.commit()


def _delete_rows(session: Any, deletes: str) -> None:
    session.execute(
        text(
            "DO $$ DECLARE s record; BEGIN "
            "SET LOCAL session_replication_role = replica; "
            f"{deletes} "
            "FOR s IN SELECT schemaname, sequencename FROM pg_sequences "
            "WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP "
            "EXECUTE format('ALTER SEQUENCE %I.%I RESTART', "
            "s.schemaname, s.sequencename); "
            "END LOOP; END $$"
        )
    )
