"""cms.database: SQLite connection set-up and write transactions."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from cms import create_app
from cms.database import SQLITE_BUSY_TIMEOUT_MS, read_rows, write_transaction
from cms.extensions import db
from cms.models import Role, Setting, User


@pytest.fixture
def file_app(tmp_path):
    """An app on a SQLite file, as `make run` uses; schema created."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cms.sqlite'}"}
    )
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def statements(file_app):
    """Every SQL statement sent on the file app's engine, BEGINs included."""
    seen: list[str] = []
    with file_app.app_context():
        engine = db.engine

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.strip())

    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


def pragma(name: str):
    return db.session.execute(text(f"PRAGMA {name}")).scalar()


def test_sqlite_connections_are_set_up_for_a_web_server(file_app):
    with file_app.app_context():
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 1  # NORMAL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == SQLITE_BUSY_TIMEOUT_MS > 0


def test_every_pooled_connection_gets_the_settings(file_app):
    with file_app.app_context():
        connections = [db.engine.connect() for _ in range(3)]
        try:
            for conn in connections:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        finally:
            for conn in connections:
                conn.close()


def test_foreign_keys_are_enforced(file_app):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from cms.models import Article

    # Every other column from the model's defaults: only the owner is wrong.
    with file_app.app_context(), pytest.raises(IntegrityError, match="FOREIGN KEY"):
        db.session.execute(insert(Article).values(title="t", owner_id=999))
        db.session.commit()


def test_plain_reads_begin_deferred(file_app, statements):
    with file_app.app_context():
        db.session.scalar(select(func.count(User.id)))
        db.session.commit()
    begins = [s for s in statements if s.upper().startswith("BEGIN")]
    assert begins == ["BEGIN"]


def test_write_transaction_begins_immediate(file_app, statements):
    with file_app.app_context():
        with write_transaction():
            db.session.add(Setting(key="site.name", value="甲"))
        begins = [s for s in statements if s.upper().startswith("BEGIN")]
        assert begins == ["BEGIN IMMEDIATE"]
        assert db.session.get(Setting, "site.name").value == "甲"


def test_a_read_before_a_write_is_ended_first(file_app, statements):
    with file_app.app_context():
        db.session.scalar(select(func.count(User.id)))
        with write_transaction():
            db.session.add(Setting(key="site.name", value="甲"))
    begins = [s for s in statements if s.upper().startswith("BEGIN")]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    # The write comes after the immediate BEGIN, inside it.
    immediate = statements.index("BEGIN IMMEDIATE")
    insert = next(i for i, s in enumerate(statements) if s.upper().startswith("INSERT"))
    assert immediate < insert


def test_reads_after_a_write_begin_deferred_again(file_app, statements):
    # The IMMEDIATE option belongs to the write's transaction, not to the
    # pooled connection: later reads must not take the write lock.
    with file_app.app_context():
        with write_transaction():
            db.session.add(Setting(key="site.name", value="甲"))
        db.session.scalar(select(func.count(User.id)))
        db.session.commit()
    with file_app.app_context():
        db.session.scalar(select(func.count(User.id)))
    begins = [s for s in statements if s.upper().startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN", "BEGIN"]


def test_write_transaction_commits(ctx):
    with write_transaction():
        db.session.add(User(username="alice", display_name="A", role=Role.EDITOR))
    db.session.rollback()  # nothing pending may survive outside the block
    assert db.session.scalar(select(User.username)) == "alice"


def test_read_rows_sees_what_the_session_sees(ctx):
    names = select(Setting.key, Setting.value).order_by(Setting.key)
    with pytest.raises(RuntimeError, match="undo"), write_transaction():
        db.session.add(Setting(key="site.name", value="甲"))
        # Inside the unit, before commit: the pending row is flushed and read.
        assert read_rows(names) == [("site.name", "甲")]
        raise RuntimeError("undo")
    assert read_rows(names) == []
    with write_transaction():
        db.session.add(Setting(key="site.name", value="乙"))
    assert [tuple(row) for row in read_rows(names)] == [("site.name", "乙")]


def test_write_transaction_rolls_back_on_an_exception(ctx):
    with pytest.raises(RuntimeError, match="boom"), write_transaction():
        db.session.add(User(username="alice", display_name="A", role=Role.EDITOR))
        db.session.add(Setting(key="site.name", value="甲"))
        db.session.flush()
        raise RuntimeError("boom")
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0
    # The session is usable again afterwards.
    with write_transaction():
        db.session.add(Setting(key="site.name", value="乙"))
    assert db.session.get(Setting, "site.name").value == "乙"


def test_write_transaction_rolls_back_on_a_database_error(ctx):
    from sqlalchemy.exc import IntegrityError

    with write_transaction():
        db.session.add(Setting(key="site.name", value="甲"))
    with pytest.raises(IntegrityError), write_transaction():
        db.session.add(Setting(key="site.footer", value="页脚"))
        db.session.add(Setting(key="site.name", value="重复"))
    db.session.expire_all()
    assert {s.key: s.value for s in db.session.scalars(select(Setting))} == {
        "site.name": "甲"
    }


def test_a_session_that_cannot_roll_back_at_the_end_of_a_request_is_dropped(
    file_app,
):
    """PostgreSQL stopping between a page's last read and the end of its
    request: the rollback that ends the session fails. The page was made
    and is answered; the next request gets a new session (a 500 from the
    teardown before: the postgres-restart check found it)."""
    client = file_app.test_client()
    with file_app.app_context():
        engine = db.engine

    def server_gone(conn):
        raise OperationalError(
            "ROLLBACK", {}, Exception("server closed the connection unexpectedly")
        )

    event.listen(engine, "rollback", server_gone)
    try:
        failed = client.get("/")
    finally:
        event.remove(engine, "rollback", server_gone)
    again = client.get("/")

    assert failed.status_code == 200
    assert "最新文章" in failed.get_data(as_text=True)
    assert again.status_code == 200
