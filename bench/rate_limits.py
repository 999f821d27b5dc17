"""What one rate-limit check costs, by where the counters live.

One check is what a limited request pays: a fixed-window `hit` (an atomic
increment) through the `limits` strategy the app uses. Backends side by side:

- `memory`: limits' MemoryStorage (per process: wrong with several workers,
  shown as the floor);
- `sqlite`: cms-database:// on a SQLite file (WAL, as `make run` uses it);
- `postgresql`: cms-database:// on PostgreSQL, when one answers
  (`--postgres URL`, default $TEST_DATABASE_URL or the local test server;
  a scratch database is created and dropped);
- `redis`: cms-redis:// (Redis with the database fallback) when Redis answers
  (`--redis URL`, default $TEST_REDIS_URL or redis://127.0.0.1:6379/0; the
  bench's keys are deleted afterwards).

Keys cycle over `--keys` client addresses, so most checks update a live
counter. Rounds alternate the backends so machine noise hits all of them; the
figures are the median over rounds of each round's median µs per check,
and the p99 of all checks.

    .venv/bin/python bench/rate_limits.py [--rounds 5] [--checks 2000] [--keys 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from limits import parse  # noqa: E402
from limits.storage import MemoryStorage, Storage  # noqa: E402
from limits.strategies import FixedWindowRateLimiter  # noqa: E402

from cms import create_app  # noqa: E402
from cms.extensions import db  # noqa: E402
from cms.ratelimit import DatabaseStorage, RedisWithFallback  # noqa: E402

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1/test"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
ITEM = parse("1000000 per hour")  # never refuses: every check is a full hit


class Backend:
    """A named storage, and the context (an app's) its calls need."""

    def __init__(self, name: str, storage: Callable[[], Storage], app=None):
        self.name, self.app = name, app
        self._make = storage
        self.times: list[float] = []
        self.round_medians: list[float] = []

    def run(self, checks: int, keys: int, tag: str) -> None:
        ctx = self.app.app_context() if self.app else None
        if ctx:
            ctx.push()
        try:
            strategy = FixedWindowRateLimiter(self._make())
            samples = []
            for n in range(checks):
                started = time.perf_counter()
                strategy.hit(ITEM, tag, f"203.0.113.{n % keys}")
                samples.append(time.perf_counter() - started)
        finally:
            if ctx:
                db.session.remove()
                ctx.pop()
        self.times.extend(samples)
        self.round_medians.append(statistics.median(samples))


def database_app(url: str):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "TESTING": False}
    )
    with app.app_context():
        db.create_all()
    return app


def sqlite_backend(stack: ExitStack) -> Backend:
    folder = stack.enter_context(tempfile.TemporaryDirectory())
    app = database_app(f"sqlite:///{Path(folder) / 'limits.sqlite'}")
    return Backend("sqlite", DatabaseStorage, app)


def postgres_backend(stack: ExitStack, url: str) -> Backend | None:
    from tests.conftest import create_database, drop_database

    try:
        scratch = create_database(url, "cms_bench_limits")
    except Exception as error:  # noqa: BLE001 (reported, the bench goes on)
        print(f"postgresql: skipped ({type(error).__name__}: {error})".splitlines()[0])
        return None
    app = database_app(scratch)

    def drop() -> None:
        with app.app_context():
            db.engine.dispose()
        drop_database(url, scratch)

    stack.callback(drop)
    return Backend("postgresql", DatabaseStorage, app)


def redis_backend(stack: ExitStack, url: str, sqlite_app) -> Backend | None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError as error:
        print(f"redis: skipped ({error})")
        return None
    prefix = f"cms-bench-{uuid.uuid4().hex[:8]}"

    def clean() -> None:
        keys = list(client.scan_iter(match=f"*{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()

    stack.callback(clean)
    backend = Backend("redis", lambda: RedisWithFallback(f"cms-{url}"), sqlite_app)
    backend.tag = prefix
    return backend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--checks", type=int, default=2000, help="per backend and round"
    )
    parser.add_argument(
        "--keys", type=int, default=500, help="distinct client addresses"
    )
    parser.add_argument(
        "--postgres", default=os.environ.get("TEST_DATABASE_URL") or LOCAL_POSTGRES
    )
    parser.add_argument(
        "--redis", default=os.environ.get("TEST_REDIS_URL") or LOCAL_REDIS
    )
    args = parser.parse_args()

    with ExitStack() as stack:
        memory = MemoryStorage()
        backends = [Backend("memory", lambda: memory)]
        sqlite = sqlite_backend(stack)
        backends.append(sqlite)
        for extra in (
            postgres_backend(stack, args.postgres),
            redis_backend(stack, args.redis, sqlite.app),
        ):
            if extra is not None:
                backends.append(extra)
        for backend in backends:  # warm-up: connections, statements, first rows
            backend.run(200, args.keys, getattr(backend, "tag", "bench"))
            backend.times.clear()
            backend.round_medians.clear()
        for number in range(1, args.rounds + 1):
            for backend in backends:
                backend.run(args.checks, args.keys, getattr(backend, "tag", "bench"))
            medians = [f"{b.name} {b.round_medians[-1] * 1e6:.0f} µs" for b in backends]
            print(f"round {number}: " + ", ".join(medians))

    print()
    print(f"{'storage':<12}{'median µs/check':>17}{'p99 µs':>10}{'checks/s':>11}")
    for backend in backends:
        median = statistics.median(backend.round_medians)
        p99 = statistics.quantiles(backend.times, n=100)[98]
        figures = f"{median * 1e6:>17.0f}{p99 * 1e6:>10.0f}{1 / median:>11.0f}"
        print(f"{backend.name:<12}{figures}")


if __name__ == "__main__":
    main()
