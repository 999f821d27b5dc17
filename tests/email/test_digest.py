"""Digest mode: held comments are collected and mailed as one message per
editor every `moderation.email_digest_minutes`, by the periodic jobs."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import MailNotice, OutboxMessage, OutboxStatus, UsedToken, utcnow
from cms.services.jobs import run_due_jobs
from cms.services.notify import send_due_digest
from cms.services.outbox import deliver_due, retry_delay
from tests.comments.support import comment_id_from, post_comment, reader
from tests.email.support import STAFF_ADDRESSES, free_port, link_payload, path_of


def _post_held(client, article, count: int, start: int = 1) -> list[int]:
    return [
        comment_id_from(
            post_comment(client, article.public_id, **reader(n)), article.public_id
        )
        for n in range(start, start + count)
    ]


def _comment_ids_in(mail) -> list[int]:
    """The comment ids a digest's links name, in order, once each."""
    ids = []
    for _, url in mail.links():
        payload = link_payload(url)
        if payload["c"] not in ids:
            ids.append(payload["c"])
    return ids


def test_held_comments_wait_for_the_digest_then_go_out_once(
    app, client, inbox, article, staff, settings
):
    settings(moderation__email_digest_minutes="10")
    ids = _post_held(client, article, 3)
    assert inbox.take() == []  # nothing at once

    with app.app_context():
        ran = run_due_jobs(now=utcnow() + timedelta(minutes=1))
        assert "moderation-mail" in ran
        received = inbox.take()
        assert sorted(m.to for m in received) == sorted(STAFF_ADDRESSES)
        for mail in received:
            assert mail.subject == "[我的网站] 3 条新评论待审核"
            assert "有 3 条新评论等待审核" in mail.text
            for n in (1, 2, 3):
                assert f"读者{n}" in mail.text and f"reader{n}@example.cn" in mail.text
            labels = [label for label, _ in mail.links()]
            assert labels == ["批准", "垃圾", "回收站"] * 3
            assert _comment_ids_in(mail) == ids
            assert "另有" not in mail.text
        notices = db.session.scalars(select(MailNotice)).all()
        assert sorted(n.comment_id for n in notices) == ids
        assert all(n.in_digest for n in notices)

        # Not again for the same comments, however late.
        assert send_due_digest(utcnow() + timedelta(days=1)) == 0
        assert inbox.take() == []


def test_a_digest_goes_out_at_most_every_n_minutes(
    app, client, inbox, article, staff, settings
):
    settings(moderation__email_digest_minutes="10")
    _post_held(client, article, 1)
    with app.app_context():
        t0 = utcnow()
        assert send_due_digest(t0) == 1
        assert len(inbox.take()) == 2
    [later] = _post_held(client, article, 1, start=2)
    with app.app_context():
        assert send_due_digest(t0 + timedelta(minutes=9, seconds=59)) == 0
        assert inbox.take() == []
        assert send_due_digest(t0 + timedelta(minutes=10)) == 1
        received = inbox.take()
        assert len(received) == 2
        assert all(_comment_ids_in(m) == [later] for m in received)
        assert all("读者1" not in m.text for m in received)


def test_flask_cms_tick_sends_the_digest(app, client, runner, inbox, article, staff,
                                         settings):  # fmt: skip
    settings(moderation__email_digest_minutes="5")
    _post_held(client, article, 2)
    assert inbox.take() == []
    result = runner.invoke(args=["cms", "tick"])
    assert result.exit_code == 0, result.output
    assert "moderation-mail" in result.output
    received = inbox.take()
    assert sorted(m.to for m in received) == sorted(STAFF_ADDRESSES)
    assert all("有 2 条新评论等待审核" in m.text for m in received)


def test_digest_links_work(app, client, inbox, article, staff, settings):
    settings(moderation__email_digest_minutes="5")
    ids = _post_held(client, article, 2)
    with app.app_context():
        send_due_digest(utcnow())
    mail = next(m for m in inbox.take() if m.to == "editor@example.cn")
    approve_second = [url for label, url in mail.links() if label == "批准"][1]
    response = client.post(path_of(approve_second))
    assert response.status_code == 200
    with app.app_context():
        from cms.models import Comment, CommentStatus

        assert db.session.get(Comment, ids[1]).status == CommentStatus.APPROVED
        assert db.session.get(Comment, ids[0]).status == CommentStatus.PENDING


def test_nothing_waits_nothing_is_sent(app, inbox, article, staff, settings):
    settings(moderation__email_digest_minutes="5")
    with app.app_context():
        assert send_due_digest(utcnow()) == 0
    assert inbox.take() == []


def test_comments_mailed_one_by_one_are_not_repeated_in_a_digest(
    app, client, inbox, article, staff, settings
):
    _post_held(client, article, 1)  # digests off: mailed at once
    assert len(inbox.take()) == 2
    settings(moderation__email_digest_minutes="5")
    with app.app_context():
        assert send_due_digest(utcnow()) == 0
    assert inbox.take() == []


def test_digests_off_means_the_job_sends_nothing(app, client, inbox, article, staff):
    _post_held(client, article, 1)
    inbox.take()
    with app.app_context():
        db.session.execute(MailNotice.__table__.delete())
        db.session.commit()
        assert send_due_digest(utcnow()) == 0
    assert inbox.take() == []


def test_a_long_digest_lists_the_first_comments_and_counts_the_rest(
    app, client, inbox, article, staff, settings, monkeypatch
):
    monkeypatch.setattr("cms.services.notify.DIGEST_LIMIT", 2)
    settings(moderation__email_digest_minutes="5")
    ids = _post_held(client, article, 3)
    with app.app_context():
        assert send_due_digest(utcnow()) == 3
        for mail in inbox.take():
            assert mail.subject == "[我的网站] 3 条新评论待审核"
            assert _comment_ids_in(mail) == ids[:2]
            assert "另有 1 条未在此列出" in mail.text
        # All three count as mailed.
        assert db.session.scalar(select(func.count()).select_from(MailNotice)) == 3


def test_a_digest_that_does_not_get_through_is_retried(
    app, client, inbox, article, staff, settings, caplog
):
    settings(moderation__email_digest_minutes="5")
    ids = _post_held(client, article, 2)
    good_url = app.config["MAIL_URL"]
    with app.app_context():
        app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"
        assert send_due_digest(utcnow()) == 2
        with caplog.at_level(logging.WARNING):
            assert deliver_due().retrying == 2
        assert "e-mail through" in caplog.text
        # Queued once: a second run names nothing new.
        assert send_due_digest(utcnow() + timedelta(minutes=6)) == 0
        app.config["MAIL_URL"] = good_url
        assert deliver_due(now=utcnow() + retry_delay(1)).sent == 2
    received = inbox.take()
    assert len(received) == 2
    assert all(_comment_ids_in(m) == ids for m in received)


def test_a_failing_digest_is_logged_by_the_sender_and_retried(
    app, client, inbox, article, staff, settings, monkeypatch
):
    settings(moderation__email_digest_minutes="5")
    _post_held(client, article, 1)

    def broken(*args, **kwargs):
        raise RuntimeError("template trouble")

    monkeypatch.setattr("cms.services.notify.digest_mail", broken)
    with app.app_context():
        ran = run_due_jobs(now=utcnow())
        assert ran.index("moderation-mail") < ran.index("deliver-outbox")
        queued = db.session.scalars(select(OutboxMessage)).all()
        assert [m.status for m in queued] == [OutboxStatus.PENDING] * 2
        assert all("template trouble" in m.last_error for m in queued)
    monkeypatch.undo()
    with app.app_context():
        assert deliver_due(now=utcnow() + retry_delay(1)).sent == 2
    assert len(inbox.take()) == 2


def test_the_job_forgets_links_spent_longer_ago_than_they_live(app, staff):
    with app.app_context():
        now = utcnow()
        db.session.add_all([
            UsedToken(token_id="old", used_at=now - timedelta(days=9)),
            UsedToken(token_id="recent", used_at=now - timedelta(days=6)),
        ])  # fmt: skip
        db.session.commit()
        run_due_jobs(now=now)
        db.session.expire_all()
        left = db.session.scalars(select(UsedToken.token_id)).all()
        assert left == ["recent"]
