"""Faults and load 5: Redis stopped in the middle of a load. gunicorn with 4
workers uses a redis-server of the check's own (REDIS_URL: page cache, rate
limits, view buffer) while readers load the article and post comments, each
post from an address of its own (one trusted proxy), so the flood rule stays
on and counts every post in Redis; beside them a visitor searches, opens the
tip box and fails to log in (rate limits). Redis is stopped, then started
again. FOUND: an answer that is a 5xx or no answer at all (before, during or
after the outage), a post answered 303 but not stored once, a post refused
but stored, and each kept count that differs from a recount."""

from __future__ import annotations

import itertools
import threading
import time

from tests.load import Browser, Load, Request, count_mismatches, stored_bodies
from tests.security.harness import Site, Tally, check, planted
from tests.security.serving import served
from tests.servers import RedisServer

READERS = 4
PHASE = 2.0  # seconds of load before, during and after the outage
SETTINGS = {"comments.min_submit_seconds": "0"}  # the flood rule stays on


def _visitor(server, public_id: str, stop: threading.Event, done: list) -> None:
    """Search, the tip box's beacon and a failed login, each from a new
    address (so no limit refuses them), in turn until `stop`."""
    requests = itertools.cycle(
        [
            ("GET", "/search?q=%E8%B5%84%E6%BA%90", None),
            ("POST", f"/tip/{public_id}/open", {}),
            ("POST", "/auth/login", {"username": "nobody", "password": "wrong " * 3}),
        ]
    )
    for n, (method, path, form) in enumerate(requests):
        if stop.is_set():
            return
        browser = Browser(
            server.port, forwarded_for=f"10.200.{n // 256 % 256}.{n % 256}"
        )
        started = time.monotonic()
        try:
            status, _, _ = browser.request(
                method, path, form, headers={"Origin": server.origin}
            )
        except OSError:
            status = 0
        done.append(Request(started, f"{method} {path}", "", status))


@check("redis-stop")
def run(site: Site) -> Tally:
    tally = Tally("redis-stop")
    stop, visits = threading.Event(), []
    with (
        RedisServer() as redis,
        served(site, SETTINGS, REDIS_URL=redis.url, TRUSTED_PROXIES="1") as on,
    ):
        visitor = threading.Thread(
            target=_visitor, args=(on.server, site.reference, stop, visits)
        )
        visitor.start()
        try:
            with Load(on.server, site.reference, READERS, "缓存停机", True) as load:
                time.sleep(PHASE)
                redis.stop()
                time.sleep(PHASE)
                redis.start()
                time.sleep(PHASE)
        finally:
            stop.set()
            visitor.join(timeout=60)
        with on.app.app_context():
            stored = stored_bodies("缓存停机")
            mismatches = count_mismatches()
    for request in load.done + visits:
        tally.attempt(
            request.status == 0 or request.status >= 500,
            f"{request.method} {request.body} answered {request.status}",
        )
        if request.method == "POST":
            copies = stored[request.body]
            wanted = 1 if request.status == 303 else 0
            tally.attempt(
                copies != wanted,
                f"{request.body} answered {request.status}, stored {copies} time(s)",
            )
    tally.attempt(bool(mismatches), "; ".join(mismatches))
    return tally


def redis_without_fallback() -> None:
    """In a server process: the rate limits use Redis only (its errors are
    no longer caught and counted in the database instead)."""
    from cms.ratelimit.fallback import RedisWithFallback

    RedisWithFallback._call = lambda self, use: use(self.primary)  # type: ignore[method-assign]


@planted("redis-stop")
def _no_fallback(site: Site, monkeypatch) -> None:
    monkeypatch.setattr(
        "tests.security.serving.SERVER_FAULT",
        f"{__name__}:{redis_without_fallback.__name__}",
    )
