"""Faults and load 1: readers posting at once (20 readers, 10 comments each)
to gunicorn with 4 workers, on SQLite and on PostgreSQL (a throwaway
cluster). The flood and too-fast rules are off on the copy (serving.
LOAD_SETTINGS): every post must reach the database. FOUND: a post not
answered 303 to its comment (a 5xx, a refusal), a post answered but not
stored or stored twice, "database is locked" in the server's log, and each
kept count (status tallies, an article's approved count) that differs from
a recount."""

from __future__ import annotations

from tests.load import count_mismatches, post_comments, stored_bodies
from tests.security.harness import Site, Tally, check, planted
from tests.security.serving import database_server, served

READERS, EACH = 20, 10
QUICK_READERS, QUICK_EACH = 8, 4


@check("concurrent-posting")
def run(site: Site) -> Tally:
    tally = Tally("concurrent-posting")
    readers, each = (QUICK_READERS, QUICK_EACH) if site.quick else (READERS, EACH)
    # Planted-fault runs: SQLite only (its fault is SQLite's).
    for backend in ("sqlite",) if site.quick else ("sqlite", "postgresql"):
        with database_server(backend) as cluster, served(site, cluster=cluster) as on:
            label = f"并发评论 {backend}"
            answers = post_comments(
                on.server.port, on.server.origin, site.reference, readers, each, label
            )
            with on.app.app_context():
                stored = stored_bodies(label)
                mismatches = count_mismatches()
            log = on.server.errors()
        anchor = f"/{site.reference}.html#comment-"
        for answer in answers:
            copies = stored[answer.body]
            ok = answer.status == 303 and answer.location.startswith(anchor)
            tally.attempt(
                not ok or copies != 1,
                f"{backend}: {answer.body!r} answered {answer.status} "
                f"{answer.error}, stored {copies} time(s)",
            )
        locked = log.count("database is locked")
        tally.attempt(locked > 0, f"{backend}: 'database is locked' {locked} time(s)")
        tally.attempt(bool(mismatches), f"{backend}: {'; '.join(mismatches)}")
    return tally


def no_waiting_for_the_lock() -> None:
    """In a server process: SQLite writers give up at once on a lock instead
    of waiting for it (no busy timeout)."""
    import cms.database

    cms.database.SQLITE_BUSY_TIMEOUT_MS = 0


@planted("concurrent-posting")
def _writers_do_not_wait(site: Site, monkeypatch) -> None:
    monkeypatch.setattr(
        "tests.security.serving.SERVER_FAULT",
        f"{__name__}:{no_waiting_for_the_lock.__name__}",
    )
