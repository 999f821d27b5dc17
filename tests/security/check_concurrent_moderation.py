"""Faults and load 3: two editors acting on the same comments at once,
through the moderation queue's bulk form on gunicorn with 4 workers, on
SQLite and on PostgreSQL (a throwaway cluster), where row locks and
conditional updates are what keep the counts exact. Round after round both
send an action at the same moment: on overlapping selections of one
article's comments, and on its comments split between them (different rows,
the same article's count and the same status tallies).

FOUND: an answer that is not the queue's 303, and each kept count (status
tallies, an article's approved count) that differs from a recount
afterwards."""

from __future__ import annotations

import threading

from sqlalchemy import select

from cms.extensions import db
from cms.models import Article
from tests.factories import make_comment
from tests.load import Browser, count_mismatches, log_in
from tests.security.harness import PASSWORD, Site, Tally, check, form_token, planted
from tests.security.serving import database_server, served

COMMENTS = 60
ROUNDS = 12
STATUSES = ["pending", "approved", "spam", "trash"]
PLANS = (
    ("editor", ["approve", "spam", "restore", "trash", "unapprove"]),
    ("admin", ["trash", "approve", "spam", "restore", "approve"]),
)


def _comments(public_id: str) -> list[int]:
    """COMMENTS new comments on the article, in every status (app context)."""
    article = db.session.scalar(select(Article).where(Article.public_id == public_id))
    made = [
        make_comment(article, body=f"审核并发 {n}", status=STATUSES[n % 4]).id
        for n in range(COMMENTS)
    ]
    db.session.rollback()
    return made


def _editor(server, username: str) -> tuple[Browser, str]:
    """A logged-in editor and the CSRF token of the queue's form."""
    browser = log_in(server.port, username, PASSWORD)
    _, _, html = browser.request("GET", "/moderation/comments")
    return browser, form_token(html) or ""


def _selections(ids: list[int], round_: int) -> tuple[list[int], list[int]]:
    """Overlapping thirds on even rounds; the comments split on odd ones."""
    if round_ % 2:
        return ids[0::2], ids[1::2]
    third = len(ids) // 3
    return ids[: 2 * third], ids[third:]


def _at_once(server, editors, selections, round_: int, answers: list) -> None:
    """Each editor sends this round's action on its selection, both at once."""
    start = threading.Barrier(len(editors))

    def act(editor: tuple[Browser, str], selection: list[int], action: str) -> None:
        browser, token = editor
        fields = [("csrf_token", token), ("action", action)]
        fields += [("ids", str(i)) for i in selection]
        start.wait(timeout=30)
        status, _, _ = browser.request(
            "POST", "/moderation/comments", fields, headers={"Origin": server.origin}
        )
        answers.append((f"round {round_} {action}", status))

    threads = [
        threading.Thread(
            target=act, args=(editor, selection, actions[round_ % len(actions)])
        )
        for editor, selection, (_, actions) in zip(
            editors, selections, PLANS, strict=True
        )
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


@check("concurrent-moderation")
def run(site: Site) -> Tally:
    tally = Tally("concurrent-moderation")
    # Planted-fault runs: the split rounds only, on PostgreSQL only (SQLite
    # serialises every writer; overlapping selections wait on row locks).
    rounds = range(1, ROUNDS // 2, 2) if site.quick else range(ROUNDS)
    for backend in ("postgresql",) if site.quick else ("sqlite", "postgresql"):
        with database_server(backend) as cluster, served(site, cluster=cluster) as on:
            with on.app.app_context():
                ids = _comments(site.reference)
            editors = [_editor(on.server, name) for name, _ in PLANS]
            answers: list[tuple[str, int]] = []
            for round_ in rounds:
                _at_once(on.server, editors, _selections(ids, round_), round_, answers)
            with on.app.app_context():
                mismatches = count_mismatches()
        for what, status in answers:
            tally.attempt(status != 303, f"{backend}: {what} answered {status}")
        tally.attempt(bool(mismatches), f"{backend}: {'; '.join(mismatches)}")
    return tally


def counts_read_then_written() -> None:
    """In a server process: an article's approved count is read, then
    written back with the change added (two statements, with the pause of a
    slow transaction between them: a concurrent change is lost), instead of
    one atomic UPDATE."""
    import time

    from sqlalchemy import update

    from cms.services import tallies

    def adjust(deltas: list[tuple[int, int]]) -> None:
        for article_id, delta in deltas:
            kept = db.session.scalar(
                select(Article.comment_count).where(Article.id == article_id)
            )
            time.sleep(1.0)
            db.session.execute(
                update(Article)
                .where(Article.id == article_id)
                .values(comment_count=kept + delta, updated_at=Article.updated_at)
            )

    tallies._adjust_comment_counts = adjust


@planted("concurrent-moderation")
def _lost_updates(site: Site, monkeypatch) -> None:
    monkeypatch.setattr(
        "tests.security.serving.SERVER_FAULT",
        f"{__name__}:{counts_read_then_written.__name__}",
    )
