"""The view counter's buffers: where views wait to be written
(`LocalBuffer` in this process, `RedisBuffer` shared by every worker and
server), and `StoredCounts`, the stored counts this process read lately. The
counter itself, its flushes and the functions pages call are in
cms.services.views."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import Select, bindparam, select

from cms.extensions import db
from cms.models import Article

if TYPE_CHECKING:
    import redis

# A cached article page reads its stored count again once the value this
# process knows is older than this (cms.pagecache.counts fills it in).
STORED_READ_SECONDS = 5.0
STORED_KEPT = 50_000  # counts remembered per process, at most


class LocalBuffer:
    """Increments kept in this process, under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def add(self, public_id: str) -> int:
        with self.lock:
            self.counts[public_id] += 1
            return self.counts[public_id]

    def pending(self, public_id: str) -> int:
        with self.lock:
            return self.counts.get(public_id, 0)

    def take(self) -> Counter[str]:
        with self.lock:
            taken, self.counts = self.counts, Counter()
        return taken

    def give_back(self, counts: Counter[str]) -> None:
        with self.lock:
            self.counts.update(counts)

    def clear(self) -> None:
        self.lock = threading.Lock()  # a lock held at fork time stays held
        self.counts = Counter()


class RedisBuffer:
    """Increments in one Redis hash shared by every worker and server."""

    def __init__(self, url: str, key: str, timeout: float) -> None:
        import redis

        self.client: redis.Redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.key = key

    def add(self, public_id: str) -> int:
        return int(self.client.hincrby(self.key, public_id, 1))

    def take(self) -> tuple[str | None, Counter[str]]:
        """Move the hash to a key of this flush (atomic: a view buffered
        after this goes to a new hash); (that key, its counts)."""
        import redis

        taken = f"{self.key}:flushing:{uuid.uuid4().hex}"
        try:
            self.client.rename(self.key, taken)
        except redis.ResponseError:  # no such key: nothing buffered
            return None, Counter()
        # Should this process die before it deletes the key, it goes by itself
        # (its views are lost then: at most one flush interval's).
        self.client.expire(taken, 24 * 3600)
        raw = self.client.hgetall(taken)
        return taken, Counter(
            {
                (k.decode() if isinstance(k, bytes) else k): int(v)
                for k, v in raw.items()
            }
        )

    def done(self, taken: str) -> None:
        self.client.delete(taken)

    def give_back(self, taken: str, counts: Counter[str]) -> None:
        pipe = self.client.pipeline(transaction=True)
        for public_id, n in counts.items():
            pipe.hincrby(self.key, public_id, n)
        pipe.delete(taken)
        pipe.execute()


class StoredCounts:
    """The stored counts of the articles this process showed lately, each
    read again once older than STORED_READ_SECONDS."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[int, float]] = {}

    def remember(self, public_id: str, count: int) -> None:
        if len(self.known) >= STORED_KEPT:
            self.known.clear()
        self.known[public_id] = (count, time.monotonic())

    def fresh(self, public_id: str) -> int | None:
        """The stored count when read less than STORED_READ_SECONDS ago."""
        known = self.known.get(public_id)
        if known is not None and time.monotonic() - known[1] < STORED_READ_SECONDS:
            return known[0]
        return None

    def get(
        self, public_id: str, read: Callable[[str], int | None] | None = None
    ) -> int:
        """The stored count; 0 for no such article. Read when stale through
        `read`, or else the session (then inside an app context)."""
        count = self.fresh(public_id)
        if count is not None:
            return count
        if read is None:
            count = db.session.scalar(
                stored_count_statement(), {"public_id": public_id}
            )
        else:
            count = read(public_id)
        self.remember(public_id, count or 0)
        return count or 0


@lru_cache(maxsize=1)
def stored_count_statement() -> Select:
    # Built once: a cached page's hit reads it, and building costs more than running.
    return select(Article.view_count).where(Article.public_id == bindparam("public_id"))
