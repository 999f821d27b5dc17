"""Redis for the counters, the database while Redis is unreachable
(`cms-redis://…`, `cms-rediss://…`, `cms-redis+unix://…`: the Redis URL with
`cms-` in front).

Redis gets a short socket timeout and no client-side retries, so an
unreachable or hung Redis costs a request at most about one timeout. After a
failure the counters go to the database (`DatabaseStorage`, shared by every
worker) and Redis is tried again after `retry_seconds`; the switch each way is
logged once per process. Counts made during the outage stay in the database
and do not move back: for a short while after the switch a client may get a
fresh window.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from limits.storage import RedisStorage, Storage
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.exc import SQLAlchemyError

from cms.ratelimit.database import DatabaseStorage

log = logging.getLogger(__name__)
T = TypeVar("T")

PREFIX = "cms-"


class RedisWithFallback(Storage):
    """Redis first; the database while Redis fails, retried periodically."""

    STORAGE_SCHEME = [f"{PREFIX}redis", f"{PREFIX}rediss", f"{PREFIX}redis+unix"]

    def __init__(
        self,
        uri: str,
        wrap_exceptions: bool = False,
        socket_timeout: float = 0.5,
        retry_seconds: float = 5.0,
        **options,
    ):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        timeout = float(socket_timeout)
        redis_options: dict[str, Any] = {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "retry": Retry(NoBackoff(), 0),  # fail at once: the database stands in
            **options,
        }
        self.primary = RedisStorage(uri.removeprefix(PREFIX), **redis_options)
        self.secondary = DatabaseStorage()
        self.retry_seconds = float(retry_seconds)
        self._retry_at: float | None = None  # monotonic; None while Redis answers
        self._lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError  # Redis's own errors never leave this storage

    @property
    def using_fallback(self) -> bool:
        """True while the counters go to the database."""
        return self._retry_at is not None

    def _call(self, use: Callable[[Storage], T]) -> T:
        retry_at = self._retry_at
        if retry_at is not None and time.monotonic() < retry_at:
            return use(self.secondary)
        try:
            result = use(self.primary)
        except self.primary.base_exceptions as error:
            self._went_down(error)
            return use(self.secondary)
        if retry_at is not None:
            self._came_back()
        return result

    def _went_down(self, error: Exception) -> None:
        with self._lock:
            first = self._retry_at is None
            self._retry_at = time.monotonic() + self.retry_seconds
        if first:
            log.warning(
                "rate limits: Redis is unreachable (%s); counting in the database, "
                "trying Redis again every %g s",
                error,
                self.retry_seconds,
            )

    def _came_back(self) -> None:
        with self._lock:
            was_down = self._retry_at is not None
            self._retry_at = None
        if was_down:
            log.warning("rate limits: Redis answers again; counting in Redis")

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._call(lambda storage: storage.incr(key, expiry, amount))

    def get(self, key: str) -> int:
        return self._call(lambda storage: storage.get(key))

    def get_expiry(self, key: str) -> float:
        return self._call(lambda storage: storage.get_expiry(key))

    def check(self) -> bool:
        return self.primary.check() or self.secondary.check()

    def reset(self) -> int | None:
        return self._call(lambda storage: storage.reset())

    def clear(self, key: str) -> None:
        self._call(lambda storage: storage.clear(key))
