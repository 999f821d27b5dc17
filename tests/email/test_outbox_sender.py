"""The outbox with its background sender on, against real servers: a held
comment's POST never waits on the mail server; a message that could not be
delivered is retried and arrives once the server is back; a rolled-back
change sends nothing."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import OutboxMessage, OutboxStatus, utcnow
from cms.services.mail import Mail
from cms.services.outbox import deliver_due, enqueue_mail, retry_delay
from tests.comments.support import post_comment, reader
from tests.email.support import STAFF_ADDRESSES, SilentServer, SMTPServer, free_port

SMTP_TIMEOUT = 3.0  # seconds the sender waits for each SMTP reply


@pytest.fixture
def app_config(app_config, tmp_path):
    """The sender thread on, and a database it can share with the test: a
    SQLite file (the in-memory one lives on one connection), or PostgreSQL."""
    app_config["OUTBOX_THREAD"] = True
    if app_config["SQLALCHEMY_DATABASE_URI"] == "sqlite://":
        app_config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'mail.sqlite'}"
    return app_config


@pytest.fixture
def app(app):
    yield app
    sender = app.extensions.get("cms_outbox_sender")
    if sender is not None:
        sender.stop(timeout=SMTP_TIMEOUT + 5)


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def wait_until(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_held_comment_does_not_wait_for_a_silent_mail_server(app, client, article):
    silent = SilentServer()
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{silent.port}?timeout={SMTP_TIMEOUT}"
    try:
        response = post_comment(client, article.public_id, **reader(1))
        assert response.status_code == 303
        # The answer is back while the message is still undelivered: the POST
        # did not wait for the SMTP timeout (that would have ended the try,
        # leaving the row failed or scheduled for a retry with an error).
        rows = outbox(app)
        assert len(rows) == 1  # one row for the comment, mailed to each editor
        assert {r.status for r in rows} <= {OutboxStatus.PENDING, OutboxStatus.SENDING}
        assert {r.last_error for r in rows} == {""}
        # Meanwhile the sender, in the background, is talking to the server…
        assert wait_until(lambda: len(silent.accepted) >= 1)
        # …and gives up on this try once the timeout passes, to retry later.
        assert wait_until(lambda: outbox(app)[0].last_error != "", SMTP_TIMEOUT + 5)
        for row in outbox(app):
            assert row.status == OutboxStatus.PENDING and row.attempts == 1
            assert "timed out" in row.last_error
    finally:
        silent.stop()


def test_a_message_is_retried_and_arrives_when_the_server_is_back(app, client, article):
    port = free_port()  # nothing listens: connection refused
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}?timeout={SMTP_TIMEOUT}"
    post_comment(client, article.public_id, **reader(1))
    assert wait_until(lambda: all(r.last_error for r in outbox(app)))
    for row in outbox(app):
        assert row.status == OutboxStatus.PENDING and row.attempts == 1
        assert row.due_at > utcnow()  # retried later, not now

    server = SMTPServer(port=port).start()
    try:
        with app.app_context():
            # What the tick job does once the retry falls due.
            later = utcnow() + retry_delay(1) + timedelta(seconds=1)
            report = deliver_due(now=later)
        assert report.sent == 1  # the row, to both editors
        received = server.inbox.take()
        assert sorted(m.to for m in received) == sorted(STAFF_ADDRESSES)
        for row in outbox(app):
            assert row.status == OutboxStatus.SENT and row.attempts == 2
        # Delivered once: nothing is due any more, nothing arrives twice.
        with app.app_context():
            assert deliver_due(now=later + timedelta(hours=2)).sent == 0
        assert server.inbox.take() == []
    finally:
        server.stop()


def test_a_rolled_back_change_sends_nothing(app, inbox):
    with app.app_context():
        with pytest.raises(RuntimeError), write_transaction():
            enqueue_mail([Mail("someone@example.cn", "主题", "正文")])
            raise RuntimeError("the change failed")
        assert deliver_due().sent == 0
    assert outbox(app) == []
    assert inbox.take() == []
    assert app.extensions.get("cms_outbox_sender") is None  # never woken
