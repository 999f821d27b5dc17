"""The `cms-database://` storage: where limits live without Redis. Counts
are exact under parallel workers, windows restart after they expire, and the
expiry job deletes only dead counters."""

from __future__ import annotations

import threading
import time

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from sqlalchemy import func, select

from cms.extensions import db, limiter
from cms.models import RateLimit
from cms.ratelimit import DatabaseStorage, RedisWithFallback, storage_uri
from cms.ratelimit import database as database_storage
from cms.ratelimit.counters import delete_expired, increment, storage_key
from cms.services.jobs import JOBS, run_due_jobs
from tests.clock import patch_clock


def test_without_redis_the_app_counts_in_the_database(app_config):
    from cms import create_app

    app = create_app(app_config | {"REDIS_URL": None})

    assert app.config["RATELIMIT_STORAGE_URI"] == "cms-database://"
    assert isinstance(limiter.storage, DatabaseStorage)


def test_with_redis_the_app_counts_in_redis_with_the_database_behind(app_config):
    from cms import create_app

    app = create_app(app_config | {"REDIS_URL": "redis://127.0.0.1:1/0"})

    assert app.config["RATELIMIT_STORAGE_URI"] == "cms-redis://127.0.0.1:1/0"
    assert isinstance(limiter.storage, RedisWithFallback)
    assert storage_uri(None) == "cms-database://"


def test_the_schemes_are_registered_with_limits():
    assert isinstance(storage_from_string("cms-database://"), DatabaseStorage)
    assert isinstance(
        storage_from_string("cms-redis://127.0.0.1:1/0"), RedisWithFallback
    )


def test_a_fixed_window_counts_and_restarts(ctx, monkeypatch):
    """On a clock moved by hand, so a slow machine cannot stretch the four
    hits across the window's end."""
    start = 1_800_000_000.0
    clock = patch_clock(monkeypatch, database_storage, start)
    storage = DatabaseStorage()
    strategy = FixedWindowRateLimiter(storage)
    item = parse("3 per second")

    answers = [strategy.hit(item, "k") for _ in range(4)]
    stats = strategy.get_window_stats(item, "k")
    clock.now = start + 0.99
    still = strategy.hit(item, "k")
    clock.now = start + 1  # the window's end
    after = strategy.hit(item, "k")

    assert answers == [True, True, True, False]
    assert stats.remaining == 0
    assert stats.reset_time == pytest.approx(start + 1)
    assert still is False
    assert after is True
    assert storage.get(item.key_for("k")) == 1


def test_clear_and_reset(ctx):
    storage = DatabaseStorage()
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.clear("a")

    assert storage.get("a") == 0 and storage.get("b") == 1
    assert storage.reset() == 1
    assert storage.get("b") == 0
    assert storage.check() is True


def test_long_keys_keep_apart(ctx):
    one, two = "x" * 300 + "1", "x" * 300 + "2"
    assert increment(one, 60, 1, time.time()) == 1
    assert increment(two, 60, 1, time.time()) == 1
    assert len(storage_key(one)) == 255 and storage_key(one) != storage_key(two)


def test_parallel_increments_are_exact(shared_app):
    """8 threads x 25 increments of one counter, each on its own connection."""
    barrier = threading.Barrier(8)
    seen: list[int] = []

    def work() -> None:
        with shared_app.app_context():
            storage = DatabaseStorage()
            barrier.wait()
            for _ in range(25):
                seen.append(storage.incr("shared", 60))
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(seen) == list(range(1, 201))  # every value once: no lost update
    with shared_app.app_context():
        assert DatabaseStorage().get("shared") == 200


def test_the_expiry_job_deletes_only_dead_counters(ctx):
    now = time.time()
    increment("dead", 10, 1, now - 60)
    increment("alive", 60, 1, now)

    job = next(job for job in JOBS if job.name == "expire-rate-limits")
    ran = run_due_jobs(jobs=[job])

    assert ran == ["expire-rate-limits"]
    assert list(db.session.scalars(select(RateLimit.key))) == ["alive"]
    assert delete_expired(now + 61) == 1
    assert db.session.scalar(select(func.count()).select_from(RateLimit)) == 0


def test_strategies_it_cannot_serve_are_refused_when_built():
    """Moving windows need a log of hits, which this storage does not keep:
    that is said when the limiter is built, not at the first request."""
    with pytest.raises(NotImplementedError):
        MovingWindowRateLimiter(DatabaseStorage())
