"""Faults and load 4: PostgreSQL restarted in the middle of a load. A
throwaway cluster (tests/servers.py; never the shared server) serves a copy
of the site to gunicorn with 4 workers while readers load the article and
post comments. The cluster is restarted twice (`pg_ctl stop -m fast`, as an
operator does: open transactions rolled back, connections closed): once
while the load goes on, once in a quiet moment (the readers wait), so that
every worker meets the restart only through the connections in its pool.
While the database is down, answers may be 503 (never another 5xx). FOUND: a
request started after the database is back that does not succeed, a 5xx
other than 503, a post answered 303 but not stored once, a post answered
with an error but stored, and each kept count that differs from a
recount."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from tests.load import Browser, count_mismatches, form_of, reader_fields, stored_bodies
from tests.security.harness import Site, Tally, check, planted
from tests.security.serving import database_server, served
from tests.servers import PostgresCluster

READERS = 6
PHASE, DOWN = 2.0, 1.0  # seconds of load between events; of each outage
OK = {"GET": 200, "POST": 303}


@dataclass(frozen=True)
class Request:
    """One request of the load: when it started, what it was, its answer."""

    started: float
    method: str
    body: str
    status: int


class Load:
    """Readers that load the article and post a comment through its form,
    again and again, until stopped; `quiet()` holds them between requests."""

    def __init__(self, port: int, origin: str, public_id: str) -> None:
        self.port, self.origin, self.public_id = port, origin, public_id
        self.done: list[Request] = []
        self.stop = threading.Event()
        self.go = threading.Event()
        self.go.set()
        self.busy = 0
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._reader, args=(n,)) for n in range(READERS)
        ]

    def _request(self, browser: Browser, method: str, path: str, **kw):
        self.go.wait()
        with self.lock:
            self.busy += 1
        started = time.monotonic()
        try:
            status, _, html = browser.request(method, path, **kw)
        except OSError:
            status, html = 0, ""
        finally:
            with self.lock:
                self.busy -= 1
        return started, status, html

    def _reader(self, number: int) -> None:
        browser = Browser(self.port)
        page = f"/{self.public_id}.html"
        n = 0
        while not self.stop.is_set():
            started, status, html = self._request(browser, "GET", page)
            self.done.append(Request(started, "GET", "", status))
            if status != 200:
                time.sleep(0.05)
                continue
            body = f"重启评论 {number}-{n}"
            n += 1
            form = form_of(html, "form#comment-form") | reader_fields(number, body)
            started, status, _ = self._request(
                browser, "POST", f"/comments/{self.public_id}",
                form=form, headers={"Origin": self.origin},
            )  # fmt: skip
            self.done.append(Request(started, "POST", body, status))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.go.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def quiet(self) -> None:
        """Hold the readers and wait for the requests under way to end."""
        self.go.clear()
        while self.busy:
            time.sleep(0.01)

    def resume(self) -> None:
        self.go.set()


def _restart(cluster: PostgresCluster) -> float:
    """Stop and start the cluster; the time it accepts connections again."""
    cluster.stop("fast")
    time.sleep(DOWN)
    cluster.start()
    return time.monotonic()


@check("postgres-restart")
def run(site: Site) -> Tally:
    tally = Tally("postgres-restart")
    with database_server("postgresql") as cluster, served(site, cluster=cluster) as on:
        assert cluster is not None
        with Load(on.server.port, on.server.origin, site.reference) as load:
            time.sleep(PHASE)
            first_back = _restart(cluster)  # under load
            time.sleep(PHASE)
            load.quiet()
            second_down = time.monotonic()
            second_back = _restart(cluster)  # in a quiet moment
            load.resume()
            time.sleep(PHASE)
        with on.app.app_context():
            stored = stored_bodies("重启评论")
            mismatches = count_mismatches()
    for request in load.done:
        what = f"{request.method} {request.body} answered {request.status}"
        after = first_back <= request.started < second_down
        if after or request.started >= second_back:
            tally.attempt(request.status != OK[request.method], f"once back: {what}")
        else:
            tally.attempt(request.status >= 500 and request.status != 503, what)
        if request.method == "POST":
            copies = stored[request.body]
            wanted = 1 if request.status == 303 else 0
            tally.attempt(copies != wanted, f"{what}, stored {copies} time(s)")
    tally.attempt(bool(mismatches), "; ".join(mismatches))
    return tally


def no_pre_ping() -> None:
    """In a server process: pooled connections are used without the check
    that replaces those the database closed (pool_pre_ping off)."""
    import config

    config.Config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False}


@planted("postgres-restart")
def _stale_connections(site: Site, monkeypatch) -> None:
    monkeypatch.setattr(
        "tests.security.serving.SERVER_FAULT", f"{__name__}:{no_pre_ping.__name__}"
    )
