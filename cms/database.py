"""Engine set-up per backend, and the one way services open a write transaction."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from cms.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 10_000
_IMMEDIATE = "cms_begin_immediate"


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
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block as one write transaction: committed at the end, rolled back
    on any exception (which propagates).

    A read transaction the session may hold is ended first (reads only, by the
    rule that writes happen in here), so that the write starts with
    BEGIN IMMEDIATE on SQLite. Every service that writes goes through this.
    """
    session = db.session()
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={_IMMEDIATE: True})
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
