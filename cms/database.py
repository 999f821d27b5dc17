"""Engine set-up per backend, and the unit of work: the one way services open
a write transaction (nestable), with domain events dispatched after commit."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql import CompoundSelect, Select

from cms.extensions import db
from cms.read_plans import plan_for, run

SQLITE_BUSY_TIMEOUT_MS = 10_000
# SQLSTATEs of a PostgreSQL server that answers but refuses to write: a
# read-only transaction (default_transaction_read_only, a hot standby).
# psycopg reports it as an InternalError (class 25), not an OperationalError.
REFUSED_WRITE_STATES = frozenset({"25006"})
_IMMEDIATE = "cms_begin_immediate"
# Keys in Session.info: how deep the open write blocks are, whether an
# exception left an inner block (the unit must then roll back), the events
# emitted in the open unit, and those of committed units not yet dispatched.
DEPTH = "cms_unit_depth"
DOOMED = "cms_unit_doomed"
PENDING = "cms_events_pending"
COMMITTED = "cms_events_committed"

log = logging.getLogger(__name__)


class TransactionDoomed(RuntimeError):
    """An exception left an inner write block and was caught inside the outer
    one; the whole unit was rolled back instead of committing half of it."""


def configure_engine(engine: Engine) -> None:
    """Prepare SQLite for a web server; other backends need nothing here.

    Every SQLite connection gets WAL (readers never wait for the writer),
    synchronous=NORMAL (safe with WAL, far fewer fsyncs), a busy timeout and
    foreign keys. pysqlite's own transaction handling is switched off so that
    we emit BEGIN ourselves: plain (deferred) for reads, IMMEDIATE inside
    `write_transaction`, which takes the write lock up front instead of failing
    with "database is locked" when a read transaction tries to upgrade.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def end_sessions_safely(app: Flask) -> None:
    """End each request's session even when the database went away after
    the request's last read (PostgreSQL stopped between the answer and the
    end of the request): closing rolls the transaction back, which then
    fails, and Flask-SQLAlchemy's own teardown let that error out of the
    app, so gunicorn answered a finished page with a 500. This teardown runs
    first (Flask runs them in reverse order of registration: call it after
    `db.init_app`); a session whose rollback fails is logged, its
    connections are invalidated (closed, never handed out again) and it is
    dropped; the next request gets a new session and a new connection."""

    @app.teardown_appcontext
    def _end_session(_error: BaseException | None) -> None:
        try:
            db.session.remove()
        except SQLAlchemyError as error:
            log.warning("session not closed cleanly, dropped: %s", error)
            with contextlib.suppress(SQLAlchemyError):
                db.session().invalidate()  # its connections closed, not reused
            db.session.registry.clear()


def refuses_writes(error: BaseException) -> bool:
    """True when a DBAPI error (as SQLAlchemy wraps it) says the database
    refuses to write (read-only), rather than that the statement is wrong."""
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) in REFUSED_WRITE_STATES


def end_read() -> None:
    """End the session's read transaction (a loop that wrote in units of work
    of its own and read between them), so that what it does next sees the
    database as it is now. Nothing is pending outside a unit of work."""
    db.session.rollback()


def read_rows(
    statement: Select[Any] | CompoundSelect[Any],
    parameters: dict[str, Any] | None = None,
) -> Sequence[tuple[Any, ...]]:
    """Every row, as a tuple, of a select of columns (never of mapped
    entities), run on the session's connection, inside its transaction, so
    it sees what the session sees (pending changes are flushed first, as the
    session's own execute does). The rows are fetched at once.

    A statement built once and kept by the module that runs it (nearly every
    read here) runs, from its second use on, by its plan (cms.read_plans:
    compiled once per dialect, executed on the DBAPI cursor), which skips
    the ORM's and the engine's per-execution work: on SQLite that work cost
    more than running the statement. Any other statement (built for one
    request, or one SQLAlchemy renders anew each time, as an expanding IN)
    takes the engine's own path, with the same result."""
    session = db.session()
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    connection = session.connection()
    plan = plan_for(statement, connection.dialect)
    if plan is None:
        rows = connection.execute(statement, parameters).all()  # fetched at once
        return [tuple(row) for row in rows]
    return run(connection, plan, parameters)


def in_unit_of_work() -> bool:
    """True inside a `write_transaction` block."""
    depth: int = db.session().info.get(DEPTH, 0)
    return depth > 0


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block as one unit of work: one write transaction, committed at
    the end of the outermost block, rolled back on any exception.

    Blocks nest: an inner block (a service called by another service) joins
    the outer one and commits nothing; only the outermost commits. An
    exception leaving an inner block rolls the whole unit back, even if the
    outer block catches it (the outermost block then raises
    TransactionDoomed). Events emitted in the unit (`cms.events.emit`) reach
    their after-commit handlers once, after the commit; a rolled-back unit's
    events reach none.

    The outermost block first ends a read transaction the session may hold
    (reads only, by the rule that writes happen in here; pending changes
    outside a unit are a bug and raise RuntimeError), so that the write starts
    with BEGIN IMMEDIATE on SQLite.
    """
    session = db.session()
    depth = session.info.get(DEPTH, 0)
    if depth:
        session.info[DEPTH] = depth + 1
        try:
            yield
        except BaseException:
            session.info[DOOMED] = True
            raise
        finally:
            session.info[DEPTH] = depth
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("changes made outside write_transaction()")
    if session.in_transaction():
        session.commit()  # a read transaction: nothing to write
    session.info[DEPTH] = 1
    session.info[DOOMED] = False
    try:
        session.connection(execution_options={_IMMEDIATE: True})
        yield
        if session.info[DOOMED]:
            raise TransactionDoomed("an inner write block failed")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info[DEPTH] = 0
        session.info[DOOMED] = False
    dispatch_committed(session)


def queue_event(session: Session, item: object) -> None:
    """Keep an event of the open unit until it commits (or is dropped)."""
    session.info.setdefault(PENDING, []).append(item)


def call_after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the open unit of work commits (never if it rolls
    back); at once when no unit is open."""
    if in_unit_of_work():
        queue_event(db.session(), callback)
    else:
        callback()


def _drop(_item: object) -> None:
    """The dispatcher until cms.events installs its own."""


# Any, not object: the dispatcher takes the events it was written for.
_dispatch: list[Callable[[Any], None]] = [_drop]


def set_dispatcher(dispatcher: Callable[[Any], None]) -> None:
    """Name the function that hands a committed event to its after-commit
    handlers (cms.events installs it; this module knows nothing of events)."""
    _dispatch[0] = dispatcher


def dispatch_committed(session: Session) -> None:
    """Hand the events of committed units to their after-commit handlers, each
    event once (they are taken off the list before they are sent)."""
    committed = session.info.get(COMMITTED)
    while committed:
        item = committed.pop(0)
        if callable(item):  # queued by call_after_commit
            try:
                item()
            except Exception:
                log.exception("after-commit callback failed")
        else:
            _dispatch[0](item)


def _on_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the unit is still open
    pending = session.info.pop(PENDING, None)
    if pending:
        session.info.setdefault(COMMITTED, []).extend(pending)


def _on_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back (its caller handles that); not the unit
    session.info.pop(PENDING, None)


def watch_sessions() -> None:
    """Move a unit's events to "committed" when its transaction commits and
    drop them when it rolls back (SQLAlchemy session events); idempotent."""
    if not event.contains(db.session, "after_commit", _on_commit):
        event.listen(db.session, "after_commit", _on_commit)
        event.listen(db.session, "after_rollback", _on_rollback)


@contextmanager
def rolled_back_write() -> Iterator[Session]:
    """A write transaction that is always rolled back, for checking that the
    database accepts writes (health checks): it starts like
    `write_transaction` (BEGIN IMMEDIATE on SQLite, after ending a read
    transaction the session holds) and leaves nothing behind. Errors raise."""
    session = db.session()
    if in_unit_of_work():
        raise RuntimeError("rolled_back_write() inside a unit of work")
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("changes made outside write_transaction()")
    session.rollback()
    try:
        session.connection(execution_options={_IMMEDIATE: True})
        yield session
    finally:
        session.rollback()
