"""One message per held comment to every active editor and admin with an
e-mail address, sent through a real SMTP server."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import CommentStatus, MailNotice, OutboxMessage, OutboxStatus, utcnow
from cms.services.moderation import apply_action
from cms.services.outbox import deliver_due, retry_delay
from tests.comments.support import (
    comment_id_from,
    post_comment,
    read_form,
    reader,
    rows,
)
from tests.email.support import SITE_URL, STAFF_ADDRESSES, SMTPServer, free_port


def test_a_held_comment_mails_each_editor_and_admin_once(
    app, client, inbox, article, staff
):
    body = "第一次来，写得很好。\n更多请看 http://example.cn/page"
    response = post_comment(client, article.public_id, **reader(1, body=body))
    comment_id = comment_id_from(response, article.public_id)

    received = inbox.take()
    assert sorted(m.to for m in received) == sorted(STAFF_ADDRESSES)
    assert sorted(r for m in received for r in m.rcpt_tos) == sorted(STAFF_ADDRESSES)
    for mail in received:
        assert mail.subject == "[我的网站] 新评论待审核：《邮件审核测试文章》"
        assert mail.message["From"].addresses[0].addr_spec == "noreply@cms.test"
        assert mail.message["From"].addresses[0].display_name == "我的网站"
        assert mail.message["Auto-Submitted"] == "auto-generated"
        text = mail.text
        assert "读者1" in text and "reader1@example.cn" in text
        assert "《邮件审核测试文章》" in text
        assert f"{SITE_URL}/{article.public_id}.html" in text
        assert "写得很好。" in text and "http://example.cn/page" in text
        assert "待审原因：首次评论" in text
        assert f"审核队列：{SITE_URL}/moderation/comments?status=pending" in text
        labels = [label for label, _ in mail.links()]
        assert labels == ["批准", "垃圾", "回收站"]
        assert all(url.startswith(f"{SITE_URL}/moderation-mail/") for _, url in
                   mail.links())  # fmt: skip
    # Each editor gets links of their own.
    first, second = (set(url for _, url in m.links()) for m in received)
    assert not first & second

    with app.app_context():
        [row] = rows()
        assert row.id == comment_id and row.status == CommentStatus.PENDING
        notice = db.session.get(MailNotice, comment_id)
        assert notice is not None and notice.in_digest is False


def test_contributors_inactive_and_addressless_accounts_get_nothing(
    client, inbox, article, staff
):
    post_comment(client, article.public_id, **reader(1))
    to = {m.to for m in inbox.take()}
    assert to == STAFF_ADDRESSES
    assert not to & {"writer@example.cn", "gone@example.cn"}


def test_an_approved_comment_sends_nothing(client, inbox, article, settings):
    settings(comments__hold_first="false")
    response = post_comment(client, article.public_id, **reader(1))
    assert response.status_code == 303
    assert inbox.take() == []


def test_a_spam_comment_sends_nothing(client, inbox, article):
    response = post_comment(client, article.public_id, nickname="bot", **reader(1))
    assert response.status_code == 303
    assert inbox.take() == []


def test_a_request_on_another_host_still_links_to_site_url(
    app, client, inbox, article, staff
):
    response = client.post(
        f"/comments/{article.public_id}",
        data=read_form(client, article.public_id)[1] | reader(1),
        headers={"Origin": "http://other.example"},
        base_url="http://other.example",
    )
    assert response.status_code == 303
    received = inbox.take()
    assert len(received) == 2
    for mail in received:
        assert "other.example" not in mail.text
        assert all(url.startswith(SITE_URL + "/") for _, url in mail.links())


@pytest.fixture
def no_mail_config(app_config):
    app_config.pop("MAIL_URL")
    return app_config


def test_without_mail_url_nothing_is_sent_and_submission_works(
    no_mail_config, app, client, inbox, article, staff
):
    assert app.config["MAIL_URL"] is None
    response = post_comment(client, article.public_id, **reader(1))
    comment_id_from(response, article.public_id)
    assert inbox.take() == []
    with app.app_context():
        assert db.session.scalars(select(MailNotice)).all() == []


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_server_that_is_down_is_retried_until_it_is_back(
    app, client, inbox, article, staff, caplog
):
    good_url = app.config["MAIL_URL"]
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"
    response = post_comment(client, article.public_id, **reader(1))
    comment_id = comment_id_from(response, article.public_id)
    with app.app_context():
        [row] = rows()
        assert row.id == comment_id and row.status == CommentStatus.PENDING
        with caplog.at_level(logging.WARNING):
            assert deliver_due().retrying == 1  # one row: the comment's notice
        assert "e-mail through 127.0.0.1" in caplog.text
        queued = _outbox()
        assert [m.status for m in queued] == [OutboxStatus.PENDING]
        assert all(m.attempts == 1 and "Connection" in m.last_error for m in queued)
        # Not due again yet: a run now sends nothing.
        assert deliver_due().handled == 0
        app.config["MAIL_URL"] = good_url
        later = utcnow() + retry_delay(1)
        assert deliver_due(now=later).sent == 1
        assert [m.status for m in _outbox()] == [OutboxStatus.SENT]
    assert {m.to for m in inbox.take()} == STAFF_ADDRESSES


def test_a_bad_mail_url_is_logged_and_the_submission_works(
    app, client, inbox, article, staff, caplog
):
    app.config["MAIL_URL"] = "http://127.0.0.1:25"
    response = post_comment(client, article.public_id, **reader(1))
    comment_id_from(response, article.public_id)
    with app.app_context(), caplog.at_level(logging.ERROR):
        assert deliver_due().retrying == 1
    assert "must start with smtp:// or smtps://" in caplog.text


def test_a_server_refusing_every_message_does_not_break_the_submission(
    app, client, inbox, article, staff, caplog
):
    class Refuser:
        async def handle_RCPT(self, server, session, envelope, address, options):
            return "550 no such user"

    server = SMTPServer()
    server.controller.handler = Refuser()
    server.start()
    try:
        app.config["MAIL_URL"] = server.url
        response = post_comment(client, article.public_id, **reader(1))
        comment_id_from(response, article.public_id)
        with app.app_context(), caplog.at_level(logging.WARNING):
            assert deliver_due().retrying == 1
    finally:
        server.stop()
    assert caplog.text.count("refused") == 2


def test_a_failure_while_writing_the_message_is_logged_and_retried(
    app, client, inbox, article, staff, caplog, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("template trouble")

    monkeypatch.setattr("cms.services.notify.held_mail", broken)
    response = post_comment(client, article.public_id, **reader(1))
    comment_id_from(response, article.public_id)
    with app.app_context():
        assert deliver_due().retrying == 1
        assert all("template trouble" in m.last_error for m in _outbox())
    monkeypatch.undo()
    with app.app_context():
        assert deliver_due(now=utcnow() + retry_delay(1)).sent == 1
    assert len(inbox.take()) == 2


def test_a_comment_moderated_before_its_notice_goes_out_is_not_mailed(
    app, client, inbox, article, staff
):
    response = post_comment(client, article.public_id, **reader(1))
    comment_id = comment_id_from(response, article.public_id)
    with app.app_context():
        apply_action([comment_id], "approve", None)
        assert deliver_due().dropped == 1
    assert inbox.take() == []


def test_a_retry_mails_only_the_editors_the_last_try_missed(
    app, client, inbox, article, staff
):
    """One editor's address is refused, the other's accepted: the row is
    retried for the refused one only, and the comment counts as mailed once
    the row is sent."""

    class RefuseBoss:
        async def handle_RCPT(self, server, session, envelope, address, options):
            if address == "boss@example.cn":
                return "450 try again later"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    picky = SMTPServer()
    picky.controller.handler = RefuseBoss()
    picky.start()
    good_url = app.config["MAIL_URL"]
    try:
        app.config["MAIL_URL"] = picky.url
        response = post_comment(client, article.public_id, **reader(1))
        comment_id = comment_id_from(response, article.public_id)
        with app.app_context():
            assert deliver_due().retrying == 1
            [row] = _outbox()
            assert row.payload["done"] == ["editor@example.cn"]
            assert db.session.get(MailNotice, comment_id) is None
    finally:
        picky.stop()
    app.config["MAIL_URL"] = good_url
    with app.app_context():
        assert deliver_due(now=utcnow() + retry_delay(1)).sent == 1
        assert db.session.get(MailNotice, comment_id) is not None
    assert [m.to for m in inbox.take()] == ["boss@example.cn"]


def test_every_reason_is_given_in_chinese(client, inbox, article, settings):
    # the learning score would mark this one spam (no mail): off here
    settings(comments__moderation_words="加微信", comments__spam_score_spam="0",
             comments__spam_score_hold="0")  # fmt: skip
    body = "加微信领资料 http://a.example http://b.example"
    post_comment(client, article.public_id, **reader(1, body=body))
    [first, _] = inbox.take()
    assert "待审原因：2 个链接；关键词：加微信；首次评论" in first.text
