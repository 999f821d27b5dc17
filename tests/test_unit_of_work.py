"""The unit of work: nested write blocks commit once, events reach their
after-commit handlers once per committed unit and never for a rolled-back one."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from cms.database import TransactionDoomed, in_unit_of_work, write_transaction
from cms.events import (
    AFTER_COMMIT,
    IN_TRANSACTION,
    SettingsChanged,
    emit,
    subscribe,
)
from cms.extensions import db
from cms.models import Setting


@pytest.fixture
def commits(ctx):
    """How many times the session committed a real (outermost) transaction
    that wrote something (ending a read-only transaction is not counted)."""
    seen: list[int] = []
    wrote = "test_wrote"

    def flushed(session, _context):
        session.info[wrote] = True

    def count(session):
        if not session.in_nested_transaction() and session.info.pop(wrote, False):
            seen.append(1)

    def forget(session):
        if not session.in_nested_transaction():
            session.info.pop(wrote, None)

    listeners = [("after_flush", flushed), ("after_commit", count),
                 ("after_rollback", forget)]  # fmt: skip
    for name, listener in listeners:
        event.listen(db.session, name, listener)
    yield seen
    for name, listener in listeners:
        event.remove(db.session, name, listener)


@pytest.fixture
def heard(app, ctx):
    """The events each phase's handler received, in order."""
    got: dict[str, list] = {IN_TRANSACTION: [], AFTER_COMMIT: []}
    subscribe(app, SettingsChanged, got[IN_TRANSACTION].append, IN_TRANSACTION)
    subscribe(app, SettingsChanged, got[AFTER_COMMIT].append, AFTER_COMMIT)
    return got


def put(key: str, value: str) -> None:
    """A tiny 'service': writes one setting in its own (nestable) unit."""
    with write_transaction():
        db.session.merge(Setting(key=key, value=value))
        emit(SettingsChanged(frozenset({key})))


def stored() -> dict[str, str]:
    db.session.expire_all()
    return {s.key: s.value for s in db.session.scalars(select(Setting))}


def test_an_outer_block_with_two_services_commits_once(commits, heard):
    with write_transaction():
        put("site.name", "甲")
        put("site.footer", "页脚")
        assert in_unit_of_work()
        assert heard[AFTER_COMMIT] == []  # not before the commit
    assert len(commits) == 1
    assert stored() == {"site.name": "甲", "site.footer": "页脚"}
    assert [e.keys for e in heard[AFTER_COMMIT]] == [
        frozenset({"site.name"}),
        frozenset({"site.footer"}),
    ]
    assert len(heard[IN_TRANSACTION]) == 2


def test_an_exception_in_an_inner_block_rolls_back_both(commits, heard):
    with pytest.raises(RuntimeError, match="halfway"), write_transaction():
        put("site.name", "甲")
        with write_transaction():
            db.session.merge(Setting(key="site.footer", value="页脚"))
            raise RuntimeError("halfway")
    assert stored() == {}
    assert commits == []
    assert heard[AFTER_COMMIT] == []
    assert not in_unit_of_work()


def test_a_caught_inner_failure_still_dooms_the_unit(commits, heard):
    with pytest.raises(TransactionDoomed), write_transaction():
        put("site.name", "甲")
        try:
            with write_transaction():
                raise ValueError("inner")
        except ValueError:
            pass  # the outer block swallows it: the unit must not half-commit
    assert stored() == {}
    assert heard[AFTER_COMMIT] == []
    # The session is usable again and the next unit's events are its own.
    put("site.name", "乙")
    assert stored() == {"site.name": "乙"}
    assert [e.keys for e in heard[AFTER_COMMIT]] == [frozenset({"site.name"})]


def test_events_reach_each_handler_once_per_committed_unit(heard):
    put("site.name", "甲")
    put("site.name", "乙")
    with write_transaction():
        pass  # a unit without events dispatches nothing again
    assert len(heard[AFTER_COMMIT]) == 2
    assert len(heard[IN_TRANSACTION]) == 2


def test_a_service_called_outside_a_unit_opens_its_own(commits, heard):
    put("site.name", "甲")
    assert len(commits) == 1
    assert stored() == {"site.name": "甲"}
    assert len(heard[AFTER_COMMIT]) == 1


def test_in_transaction_handlers_write_in_the_same_unit(app, ctx):
    def count_changes(event):
        row = db.session.get(Setting, "changes") or Setting(key="changes", value="0")
        row.value = str(int(row.value) + len(event.keys))
        db.session.add(row)

    subscribe(app, SettingsChanged, count_changes, IN_TRANSACTION)
    with pytest.raises(RuntimeError), write_transaction():
        put("site.name", "甲")
        raise RuntimeError("rolled back")
    assert stored() == {}  # the handler's write rolled back with the change
    put("site.name", "乙")
    assert stored() == {"site.name": "乙", "changes": "1"}


def test_a_failing_after_commit_handler_does_not_stop_the_others(app, ctx, heard):
    def broken(_event):
        raise OSError("cache server down")

    subscribe(app, SettingsChanged, broken, AFTER_COMMIT)
    put("site.name", "甲")  # no exception: the change is committed already
    assert stored() == {"site.name": "甲"}
    assert len(heard[AFTER_COMMIT]) == 1


def test_emit_outside_a_unit_is_refused(ctx):
    with pytest.raises(RuntimeError, match="outside write_transaction"):
        emit(SettingsChanged(frozenset({"site.name"})))


def test_changes_made_outside_a_unit_are_refused(ctx):
    db.session.add(Setting(key="site.name", value="漏网"))
    with (
        pytest.raises(RuntimeError, match="outside write_transaction"),
        write_transaction(),
    ):
        pass
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0


# -- Use cases: one commit each, nothing left by a failure halfway -------------


def _state(article_id: int) -> tuple:
    """What a ban or bulk action changes: rules, statuses, counts, entries."""
    from flask import g

    from cms.models import Article, AuditEntry, Comment
    from cms.services.settings import current_settings

    db.session.expire_all()
    g.pop("cms_settings", None)
    statuses = db.session.execute(
        select(Comment.id, Comment.status).order_by(Comment.id)
    )
    return (
        current_settings()["comments.disallowed"],
        [tuple(row) for row in statuses],
        db.session.get(Article, article_id).comment_count,
        db.session.scalar(select(func.count(AuditEntry.id))),
    )


@pytest.fixture
def held(ctx):
    """An article with an approved comment and two pending ones by one reader."""
    from tests.factories import make_article, make_comment

    article = make_article()
    comments = [
        make_comment(article, status=s) for s in ("approved", "pending", "pending")
    ]
    return article, comments


def test_a_ban_is_one_commit(commits, held):
    from cms.models import AuditEntry
    from cms.services.commenters import ban_commenter

    article, comments = held
    commits.clear()
    result = ban_commenter(comments[0].id, None, by_email=True, spam_pending=True)
    assert len(commits) == 1
    rules, statuses, _, _ = _state(article.id)
    assert rules == "reader@example.cn" and result.rules == ["reader@example.cn"]
    assert [s.value for _, s in statuses] == ["spam"] * 3  # the banned one too
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
    assert list(actions) == ["spam", "ban"]  # the marking and the ban, one unit


@pytest.mark.parametrize("use_case", ["ban", "bulk"])
def test_a_failure_halfway_through_a_use_case_changes_nothing(
    monkeypatch, commits, held, use_case
):
    from cms.services import commenters, moderation

    article, comments = held
    before = _state(article.id)
    commits.clear()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk filled up halfway")

    if use_case == "ban":  # the rule and the spam marking are written first
        monkeypatch.setattr(commenters, "record", broken)
        call = lambda: commenters.ban_commenter(comments[0].id, None)  # noqa: E731
    else:  # the statuses and counts move first
        monkeypatch.setattr(moderation, "record", broken)
        ids = [c.id for c in comments]
        call = lambda: moderation.apply_action(ids, "trash", None)  # noqa: E731
    with pytest.raises(RuntimeError, match="halfway"):
        call()
    assert commits == []
    assert _state(article.id) == before
