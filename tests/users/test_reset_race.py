"""One reset link posted by several requests at the same moment (a double
click, a mail scanner) works exactly once, on a database that separate
connections really share."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import AuditEntry, UsedToken
from cms.services.password_reset import issue_token
from cms.services.users import authenticate
from tests.factories import make_user

RACERS = 6


def test_simultaneous_posts_of_one_link_reset_once(shared_app):
    with shared_app.app_context():
        path = f"/auth/reset/{issue_token(make_user('alice'))}"
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []
    lock = threading.Lock()

    def post(i: int) -> None:
        client = shared_app.test_client()
        password = f"racing passphrase {i}"
        barrier.wait(timeout=30)
        status = client.post(path, data={"password": password,
                                         "confirm": password}).status_code  # fmt: skip
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [303] + [410] * (RACERS - 1)
    with shared_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UsedToken)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1
        winners = [i for i in range(RACERS)
                   if authenticate("alice", f"racing passphrase {i}")]  # fmt: skip
        assert len(winners) == 1
