"""Two editors at once: threads applying different actions to overlapping
comments, each in its own app context (own session, own connection), on a
database they really share. The kept counts must equal the recounts."""

from __future__ import annotations

import itertools
import threading

from sqlalchemy import select

from cms.extensions import db
from cms.models import AuditEntry, Comment
from cms.services.moderation import apply_action, undo
from tests.factories import make_article, make_user
from tests.moderation_services.support import add_comment, check_counts, fresh

ROUNDS = 12
STATUSES = ["pending", "approved", "spam", "trash"]


def _run(app, workers) -> None:
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                work()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == [], errors


def _setup(app, per_article: int = 30) -> tuple[list[int], list[int]]:
    """Three articles with comments in every status; editor ids and comment ids."""
    with app.app_context():
        editors = [make_user(username=f"editor{n}", role="editor").id for n in (1, 2)]
        ids = []
        for _ in range(3):
            article = make_article()
            for n in range(per_article):
                ids.append(add_comment(article, STATUSES[n % 4]).id)
        check_counts()
        db.session.remove()
    return editors, ids


def test_two_editors_acting_on_overlapping_comments(shared_app):
    editors, ids = _setup(shared_app)
    third = len(ids) // 3
    first_half, second_half = ids[: 2 * third], ids[third:]  # the middle overlaps
    plans = [
        (editors[0], first_half, ["approve", "spam", "restore", "trash", "unapprove"]),
        (editors[1], second_half, ["trash", "approve", "spam", "restore", "approve"]),
    ]

    def editor(actor_id, targets, actions):
        def work():
            from cms.models import User

            actor = db.session.get(User, actor_id)
            for action in itertools.islice(itertools.cycle(actions), ROUNDS):
                apply_action(targets, action, actor)

        return work

    _run(shared_app, [editor(*plan) for plan in plans])
    with shared_app.app_context():
        check_counts()
        # Every recorded change is a move that really happened: replaying the
        # log's moves per comment from the start ends on the stored status.
        _check_log_replays(ids)
        db.session.remove()


def test_deleting_and_undoing_while_another_editor_acts(shared_app):
    editors, ids = _setup(shared_app)

    def deleter():
        from cms.models import User

        actor = db.session.get(User, editors[0])
        for _ in range(ROUNDS // 2):
            apply_action(ids, "trash", actor)
            done = apply_action(ids, "delete", actor)
            if done.entry is not None:
                undo(done.entry.id, actor)

    def approver():
        from cms.models import User

        actor = db.session.get(User, editors[1])
        for _ in range(ROUNDS):
            apply_action(ids[::2], "restore", actor)
            apply_action(ids[::3], "approve", actor)

    _run(shared_app, [deleter, approver])
    with shared_app.app_context():
        check_counts()
        db.session.remove()


def test_two_editors_undoing_the_same_action(shared_app):
    editors, ids = _setup(shared_app, per_article=10)
    with shared_app.app_context():
        from cms.models import User

        done = apply_action(ids, "approve", db.session.get(User, editors[0]))
        entry_id = done.entry.id
        db.session.remove()
    outcomes: list[str] = []

    def undoer(actor_id):
        def work():
            from cms.models import User
            from cms.services.errors import InvalidInput

            try:
                undo(entry_id, db.session.get(User, actor_id))
                outcomes.append("undone")
            except InvalidInput:
                outcomes.append("refused")

        return work

    _run(shared_app, [undoer(editors[0]), undoer(editors[1])])
    assert sorted(outcomes) == ["refused", "undone"]
    with shared_app.app_context():
        check_counts()
        undos = db.session.scalars(
            select(AuditEntry).where(AuditEntry.undo_of_id == entry_id)
        ).all()
        assert len(undos) == 1
        db.session.remove()


def _check_log_replays(ids: list[int]) -> None:
    fresh()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    last: dict[str, str] = {}
    for entry in entries:
        for key, change in entry.changes.items():
            if key in last:
                assert last[key] == change["from"], (entry.id, key)
            last[key] = change["to"]
    stored = dict(
        db.session.execute(
            select(Comment.id, Comment.status).where(Comment.id.in_(ids))
        ).all()
    )
    for key, status in last.items():
        assert stored[int(key)].value == status, key
