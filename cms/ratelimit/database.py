"""A `limits` storage kept in our database (`cms-database://`): the counters
every worker and server shares when there is no Redis, and Redis's stand-in
while it is unreachable.

It serves the fixed-window strategy (the configured one, Flask-Limiter's
default): `incr`, `get`, `get_expiry`, `clear`. Other strategies refuse it
when the limiter is built (limits checks for their methods). Every call needs
an application context: it uses the current app's database session.
"""

from __future__ import annotations

import time

from limits.storage import Storage
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cms.extensions import db
from cms.ratelimit import counters


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_limits` table; increments are one
    atomic upsert, so parallel workers never lose or overshoot a count."""

    STORAGE_SCHEME = ["cms-database"]

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **_options
    ):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return counters.increment(key, expiry, amount, time.time())

    def get(self, key: str) -> int:
        return counters.read(key, time.time())[0]

    def get_expiry(self, key: str) -> float:
        now = time.time()
        return counters.read(key, now)[1] or now

    def check(self) -> bool:
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            return False
        return True

    def reset(self) -> int | None:
        return counters.forget_all()

    def clear(self, key: str) -> None:
        counters.forget(key)
