"""The view counter: views are buffered, never written one by one.

A page view costs no write transaction. `buffer_view` adds one to a buffer:

- in-process (the default): a counter per app in each worker process;
- Redis (when `REDIS_URL` is set): `HINCRBY` on one hash shared by every
  worker and server (`<prefix>:views`). While Redis does not answer, views
  go to the in-process buffer instead, and are flushed from there.

`flush_views` writes what is buffered in one write transaction, each article
with one atomic `view_count = view_count + n` (its `updated_at` untouched;
only published, due articles count). A failed write keeps the increments for
the next flush. With Redis, a flush first renames the hash to a key of its
own (RENAME is atomic), so two servers flushing at once never take the same
increments; a failed write adds them back to the hash.

Flushes happen every VIEW_FLUSH_SECONDS (5) in a timer thread of each worker
(started by the first view in the process, so after gunicorn's fork), when a
worker exits (the gunicorn `worker_exit` hook in gunicorn.conf.py, and
`atexit`), and on every `flask cms tick`. A worker killed outright (SIGKILL,
a power cut) loses what it buffered since its last flush: at most one flush
interval of its views. With Redis, a server that dies in the middle of a
flush loses that flush's increments (at most one interval).

Bots that say so in their User-Agent are not counted (`is_bot`).
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, current_app, has_app_context
from sqlalchemy import Table, bindparam, update

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, utcnow
from cms.services.view_buffers import (
    LocalBuffer,
    RedisBuffer,
    StoredCounts,
    stored_count_statement,
)

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

DEFAULT_FLUSH_SECONDS = 5.0
# Self-declared robots: the crawlers of Baidu (Baiduspider), Google
# (Googlebot, AdsBot-Google, Mediapartners-Google), Bing (bingbot), Yandex
# (YandexBot), Sogou (Sogou web spider), 360 (360Spider), ByteDance
# (Bytespider), Shenma (YisouSpider), Yahoo (Slurp), Apple (Applebot), and any
# other that names itself "…bot", "…spider" or "…crawler"; link previews
# (facebookexternalhit, WhatsApp's and Telegram's fetchers), feed and uptime
# fetchers. Command-line and library clients (curl, python-requests) and
# headless browsers do not say they are robots: they are counted.
# "bot" must end a word (Googlebot/2.1, "SomeBot;", "Discordbot)"), so that a
# phone named Cubot is a reader.
_BOT = re.compile(
    r"bot(?:[/;:)_+.,\-]|\s*\(|\s*$)|spider|crawl|slurp|mediapartners-google"
    r"|facebookexternalhit|whatsapp/|telegram|feedfetcher|uptime|pingdom",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    """True for a client that says it is a robot in its User-Agent (see
    `_BOT`); a missing User-Agent counts as a reader."""
    return bool(user_agent) and _BOT.search(user_agent) is not None  # type: ignore[arg-type]


class ViewCounter:
    """The buffers and the flush timer of one app in this process."""

    def __init__(self, app: Flask) -> None:
        self.app_ref = weakref.ref(app)
        self.local = LocalBuffer()
        self.stored = StoredCounts()
        self.redis: RedisBuffer | None = None
        url = app.config.get("REDIS_URL")
        if url:
            prefix = (
                app.config.get("REDIS_KEY_PREFIX")
                or app.config.get("RATELIMIT_KEY_PREFIX")
                or "cms"
            )
            timeout = float(app.config.get("RATELIMIT_REDIS_TIMEOUT", 0.5))
            self.redis = RedisBuffer(url, f"{prefix}:views", timeout)
        self.interval = float(
            app.config.get("VIEW_FLUSH_SECONDS", DEFAULT_FLUSH_SECONDS)
        )
        self.use_thread = bool(app.config.get("VIEW_FLUSH_THREAD", True))
        self.flush_lock = threading.Lock()
        self.thread_lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()
        self.redis_failed_at = 0.0

    # -- buffering ---------------------------------------------------------

    def add(self, public_id: str) -> int:
        """Buffer one view; the views of this article buffered so far (this
        worker's with the in-process buffer, everyone's with Redis)."""
        self._ensure_thread()
        if self.redis is not None and self._redis_usable():
            try:
                return self.redis.add(public_id)
            except Exception as error:  # noqa: BLE001 (any Redis failure)
                self._redis_failed(error)
        return self.local.add(public_id)

    def _redis_usable(self) -> bool:
        return time.monotonic() - self.redis_failed_at > self.interval

    def _redis_failed(self, error: BaseException) -> None:
        if self._redis_usable():
            log.warning("views: Redis fails (%s); buffering in this process", error)
        self.redis_failed_at = time.monotonic()

    # -- flushing ----------------------------------------------------------

    def flush(self) -> int:
        """Write the buffered views (call inside an app context); how many
        views the committed transactions carried."""
        with self.flush_lock:  # the timer and an exit hook never interleave
            written = self._flush_local()
            if self.redis is not None:
                written += self._flush_redis()
            return written

    def _flush_local(self) -> int:
        counts = self.local.take()
        if not counts:
            return 0
        try:
            _write(counts)
        except Exception as error:
            self.local.give_back(counts)
            log.warning("views: flush failed, kept for the next one: %s", error)
            return 0
        return sum(counts.values())

    def _flush_redis(self) -> int:
        assert self.redis is not None
        try:
            taken, counts = self.redis.take()
        except Exception as error:  # noqa: BLE001
            self._redis_failed(error)
            return 0
        if taken is None:
            return 0
        try:
            _write(counts)
        except Exception as error:
            log.warning("views: flush failed, kept for the next one: %s", error)
            try:
                self.redis.give_back(taken, counts)
            except Exception:  # noqa: BLE001
                log.exception("views: could not give %d views back to Redis",
                              sum(counts.values()))  # fmt: skip
            return 0
        try:
            self.redis.done(taken)
        except Exception as error:  # noqa: BLE001 (written; nothing reads it, it expires)
            log.warning("views: could not delete %s: %s", taken, error)
        return sum(counts.values())

    # -- the timer ---------------------------------------------------------

    def _ensure_thread(self) -> None:
        if not self.use_thread:
            return
        thread = self.thread
        if thread is not None and thread.is_alive() and self.pid == os.getpid():
            return
        with self.thread_lock:
            if (
                self.thread is None
                or not self.thread.is_alive()
                or (self.pid != os.getpid())
            ):
                self.pid = os.getpid()
                self.thread = threading.Thread(
                    target=self._run, name="cms-views", daemon=True
                )
                self.thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            app = self.app_ref()
            if app is None or self.pid != os.getpid():
                return
            with app.app_context():
                try:
                    self.flush()
                except Exception:
                    log.exception("views: flush failed")
                finally:
                    db.session.remove()

    def after_fork(self) -> None:
        """In a forked child: what the parent buffered is the parent's to
        flush (else it would be written twice), and its thread is gone."""
        self.local.clear()
        self.flush_lock = threading.Lock()
        self.thread_lock = threading.Lock()
        self.thread = None


def _write(counts: Counter[str]) -> None:
    """One write transaction: each article's views added atomically, in
    public_id order (two servers flushing at once wait, never deadlock)."""
    table = cast(Table, Article.__table__)
    statement = (
        update(table)
        .where(
            table.c.public_id == bindparam("b_public_id"),
            table.c.status == ArticleStatus.PUBLISHED.value,
            table.c.published_at <= bindparam("b_now"),
        )
        # A view is not an edit: keep updated_at (its onupdate would bump it).
        .values(
            view_count=table.c.view_count + bindparam("b_n"),
            updated_at=table.c.updated_at,
        )
    )
    now = utcnow()
    rows = [
        {"b_public_id": public_id, "b_n": n, "b_now": now}
        for public_id, n in sorted(counts.items())
        if n > 0
    ]
    if not rows:
        return
    with write_transaction():
        db.session.execute(statement, rows)


# -- the process's counters ---------------------------------------------------

_counters: weakref.WeakKeyDictionary[Flask, ViewCounter] = weakref.WeakKeyDictionary()
_latest: list[weakref.ref[Flask]] = []
_registry_lock = threading.Lock()


def init_view_counter(app: Flask) -> ViewCounter:
    """Give `app` its view counter (create_app calls this); idempotent."""
    with _registry_lock:
        counter = _counters.get(app)
        if counter is None:
            counter = _counters[app] = ViewCounter(app)
        _latest[:] = [weakref.ref(app)]
    return counter


def _counter() -> ViewCounter:
    """The current app's counter; outside an app context (a WSGI layer in
    front of Flask), that of the app created last in this process."""
    if has_app_context():
        app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
        counter = _counters.get(app)
        return counter if counter is not None else init_view_counter(app)
    app = _latest[0]() if _latest else None
    if app is None:
        raise RuntimeError("no app has a view counter in this process")
    return _counters[app]


def buffer_view(public_id: str, user_agent: str | None) -> None:
    """Count one view of the article `public_id` by a client with this
    User-Agent: buffered (no database write), or ignored for a self-declared
    bot. The article's visibility is checked when the views are flushed.
    Works inside an app context or, in a WSGI layer before Flask, outside."""
    if not is_bot(user_agent):
        _counter().add(public_id)


def count_view(public_id: str, user_agent: str | None = None, stored: int = 0) -> int:
    """`buffer_view` for the article page: the count the page shows, i.e.
    the stored count `stored` plus the views buffered and not yet written
    (this one included; with the in-process buffer, this worker's only). A
    bot's view is not buffered; the page then shows what is known."""
    counter = _counter()
    counter.stored.remember(public_id, stored)
    if is_bot(user_agent):
        return stored + counter.local.pending(public_id)
    return stored + counter.add(public_id)


def shown_count(public_id: str, user_agent: str | None) -> int:
    """`buffer_view` for a cached copy of the article's page, and the count
    that copy should show now: the stored count (read at most every
    STORED_READ_SECONDS of cms.services.view_buffers in this process) plus
    the views buffered and not yet written. Behind the real count by at
    most that read interval plus one flush interval of the other workers.
    Inside an app context."""
    counter = _counter()
    if is_bot(user_agent):
        pending = counter.local.pending(public_id)
    else:
        pending = counter.add(public_id)
    return counter.stored.get(public_id) + pending


def shown_count_outside(
    app: Flask,
    public_id: str,
    user_agent: str | None,
    read: Callable[[str], int | None],
) -> int:
    """`shown_count` for a WSGI layer in front of `app`, with no app context:
    the stored count, when older than view_buffers.STORED_READ_SECONDS, is read by
    `read(public_id)` (the article's view_count, None for no such article)."""
    counter = _counters.get(app) or init_view_counter(app)
    if is_bot(user_agent):
        pending = counter.local.pending(public_id)
    else:
        pending = counter.add(public_id)
    return counter.stored.get(public_id, read) + pending


def stored_count_reader(engine: Any) -> Callable[[str], int | None]:
    """`read` for `shown_count_outside`: one short read on its own pooled
    connection of `engine` (no session, no app context)."""
    statement = stored_count_statement()

    def read(public_id: str) -> int | None:
        with engine.connect() as connection:
            return connection.execute(statement, {"public_id": public_id}).scalar()

    return read


def flush_views() -> int:
    """Write the current app's buffered views in one write transaction (see
    the module's docstring); how many views were written. A failure is
    logged and the views stay buffered for the next flush."""
    return _counter().flush()


def flush_all(at_exit: bool = False) -> int:
    """Flush every app's counter in this process (at worker exit). At the
    interpreter's exit (`atexit`), test apps are left out: their databases
    are gone by then."""
    written = 0
    for app, counter in list(_counters.items()):
        if at_exit and app.testing:
            continue
        with app.app_context():
            try:
                written += counter.flush()
            except Exception:
                log.exception("views: flush at exit failed")
            finally:
                db.session.remove()
    return written


def _after_fork_in_child() -> None:
    for counter in list(_counters.values()):
        counter.after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(flush_all, at_exit=True)
