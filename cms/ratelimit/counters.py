"""Fixed-window counters in the `rate_limits` table: the SQL behind the
database storage, shared by every worker and server that uses the database.

Each function runs in its own unit of work (`write_transaction`), so a count
is committed at once whatever the request does afterwards; called inside an
open unit it joins that unit instead. Times are seconds since the epoch.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, case, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite

from cms.database import write_transaction
from cms.extensions import db
from cms.models import RateLimit

MAX_KEY = 255


def storage_key(key: str) -> str:
    """`key` itself when it fits the column; else its start and a digest (two
    long keys never share a row)."""
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: MAX_KEY - 65]}#{digest}"


def relax_durability() -> None:
    """Inside a write transaction: on PostgreSQL, commit it without waiting
    for the disk (`synchronous_commit = off`). A crash may forget the last
    few counts, which a rate limit can afford; each check then costs a round
    trip instead of a flush. SQLite in WAL with synchronous=NORMAL already
    commits without a flush."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit = off"))


def new_counter(
    key: str, expires_at: float, count: int = 0
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of one counter row, in the dialect of the session's database
    (SQLite or PostgreSQL), so callers can add ON CONFLICT clauses."""
    values = {"key": key, "count": count, "expires_at": expires_at}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(RateLimit).values(values)
    if dialect == "sqlite":
        return sqlite.insert(RateLimit).values(values)
    raise RuntimeError(f"rate limits need SQLite or PostgreSQL, not {dialect}")


def increment(key: str, expiry: float, amount: int, now: float) -> int:
    """Add `amount` to the counter and return its new value, in one atomic
    statement (INSERT .. ON CONFLICT DO UPDATE .. RETURNING, on SQLite and
    PostgreSQL alike). A missing or expired counter starts again at `amount`
    with a window of `expiry` seconds from `now`; a live one keeps its window."""
    key = storage_key(key)
    expired = RateLimit.expires_at <= now
    statement = (
        new_counter(key, now + expiry, amount)
        .on_conflict_do_update(
            index_elements=[RateLimit.key],
            set_={
                "count": case((expired, amount), else_=RateLimit.count + amount),
                "expires_at": case((expired, now + expiry), else_=RateLimit.expires_at),
            },
        )
        .returning(RateLimit.count)
    )
    with write_transaction():
        relax_durability()
        return db.session.execute(statement).scalar_one()


def read(key: str, now: float) -> tuple[int, float | None]:
    """(count, expires_at) of a live counter; (0, None) when there is none."""
    row = db.session.execute(
        select(RateLimit.count, RateLimit.expires_at).where(
            RateLimit.key == storage_key(key), RateLimit.expires_at > now
        )
    ).first()
    if row is None:
        return 0, None
    count, expires_at = row
    return count, expires_at


def forget(key: str) -> None:
    """Delete one counter."""
    with write_transaction():
        db.session.execute(delete(RateLimit).where(RateLimit.key == storage_key(key)))


def forget_all() -> int:
    """Delete every counter; returns how many there were."""
    return _delete(delete(RateLimit))


def delete_expired(now: float) -> int:
    """Delete the counters whose window has passed (the `expire-rate-limits`
    job); returns how many."""
    return _delete(delete(RateLimit).where(RateLimit.expires_at <= now))


def _delete(statement: Delete) -> int:
    with write_transaction():
        result = cast(CursorResult[Any], db.session.execute(statement))
        return result.rowcount
