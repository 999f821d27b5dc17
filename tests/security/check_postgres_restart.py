"""Faults and load 4: PostgreSQL restarted in the middle of a load. A
throwaway cluster (tests/servers/; never the shared server) serves a copy
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

import time

from tests.load import Load, count_mismatches, stored_bodies
from tests.security.harness import Site, Tally, check, planted
from tests.security.serving import database_server, served
from tests.servers import PostgresCluster

READERS = 6
PHASE, DOWN = 2.0, 1.0  # seconds of load between events; of each outage


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
        with Load(on.server, site.reference, READERS, "重启评论") as load:
            time.sleep(PHASE)
            # Planted-fault runs: the quiet restart only (stale connections).
            first_back = time.monotonic() if site.quick else _restart(cluster)
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
            tally.attempt(not request.ok, f"once back: {what}")
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
    that replaces those the database closed (pool_pre_ping off).

    Whatever meets a stale connection first gets the error, and the pool is
    then replaced; so that it is a request the check sees, nothing else
    touches the pool on its own: the page cache is off (a hit that reads the
    view count treats a failure as a miss) and so are the background threads
    (the view flush, the outbox, the related-lists queue). With them on, one
    planted run of CI in a few found nothing."""
    import config

    config.Config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False}
    config.Config.PAGE_CACHE = False
    config.Config.VIEW_FLUSH_THREAD = False
    config.Config.OUTBOX_THREAD = False
    config.Config.RELATED_MODE = "tick"


@planted("postgres-restart")
def _stale_connections(site: Site, monkeypatch) -> None:
    monkeypatch.setattr(
        "tests.security.serving.SERVER_FAULT", f"{__name__}:{no_pre_ping.__name__}"
    )
