"""cms.services.mail: MAIL_URL, the message's headers, and sending for real."""

from __future__ import annotations

import logging

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from cms.extensions import db
from cms.services.mail import (
    DEFAULT_TIMEOUT,
    Mail,
    MailServer,
    deliver,
    mail_from,
    parse_mail_url,
)
from tests.email.support import SMTPServer


def _sent(mails: list[Mail]) -> int:
    """How many of the messages the server accepted."""
    results = deliver(mails)
    assert len(results) == len(mails)
    return results.count(None)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1", MailServer("127.0.0.1", 25)),
        ("smtp://mail.example.cn:2525", MailServer("mail.example.cn", 2525)),
        (
            "smtps://user%40example.cn:p%3Ass%2Fword@smtp.example.cn",
            MailServer("smtp.example.cn", 465, implicit_tls=True,
                       username="user@example.cn", password="p:ss/word"),
        ),
        (
            "smtp://u:pw@smtp.example.cn:587?starttls=true&timeout=3.5",
            MailServer("smtp.example.cn", 587, starttls=True, username="u",
                       password="pw", timeout=3.5),
        ),
        ("SMTP://Host.Example.CN", MailServer("host.example.cn", 25)),
        ("smtp://h", MailServer("h", 25, timeout=DEFAULT_TIMEOUT)),
    ],
)  # fmt: skip
def test_parse_mail_url(url, expected):
    assert parse_mail_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["http://mail.example.cn", "smtp://", "smtp://h:notaport", "smtp://h?timeout=x"],
)
def test_parse_mail_url_refuses_other_urls(url):
    with pytest.raises(ValueError):
        parse_mail_url(url)


def test_the_sender_defaults_to_noreply_at_the_site_host(app):
    with app.app_context():
        assert mail_from() == "noreply@cms.test"
        app.config["SITE_URL"] = "https://www.example.cn:8443"
        assert mail_from() == "noreply@www.example.cn"
        app.config["SITE_URL"] = "http://127.0.0.1:5000"
        assert mail_from() == "noreply@localhost"
        app.config["MAIL_FROM"] = "站务 <bot@example.cn>"
        assert mail_from() == "站务 <bot@example.cn>"


@pytest.mark.parametrize(
    ("mail_from_config", "display_name"),
    [("bot@example.cn", "我的网站"), ("站务 <bot@example.cn>", "站务")],
)
def test_mail_from_config(app, inbox, mail_from_config, display_name):
    with app.app_context():
        app.config["MAIL_FROM"] = mail_from_config
        assert _sent([Mail("editor@example.cn", "主题", "正文")]) == 1
    [received] = inbox.take()
    assert received.mail_from == "bot@example.cn"
    [sender] = received.message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (display_name, "bot@example.cn")


def test_chinese_subject_and_body_arrive_intact(app, inbox):
    subject = "[我的网站] 新评论待审核：《测试》"
    body = "你好：\n\n一条评论。\r\n第二行 ✓\n"
    with app.app_context():
        assert _sent([Mail("a@example.cn", subject, body),
                          Mail("b@example.cn", subject, body)]) == 2  # fmt: skip
    received = inbox.take()
    assert [m.rcpt_tos for m in received] == [["a@example.cn"], ["b@example.cn"]]
    for mail in received:
        assert mail.subject == subject
        assert mail.text.replace("\r\n", "\n") == "你好：\n\n一条评论。\n第二行 ✓\n"
        assert mail.message["Date"] is not None
        assert mail.message["Message-ID"].endswith("@cms.test>")


def test_a_subject_with_a_newline_cannot_add_headers(app, inbox):
    with app.app_context():
        _sent([Mail("a@example.cn", "标题\nBcc: victim@example.cn", "正文")])
    [received] = inbox.take()
    assert received.rcpt_tos == ["a@example.cn"]
    assert received.message["Bcc"] is None
    assert received.subject == "标题 Bcc: victim@example.cn"


def test_an_html_alternative(app, inbox):
    with app.app_context():
        _sent([Mail("a@example.cn", "主题", "纯文本", html="<p>网页</p>")])
    [received] = inbox.take()
    assert received.message.get_body(("plain",)).get_content().strip() == "纯文本"
    assert received.message.get_body(("html",)).get_content().strip() == "<p>网页</p>"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_user_and_password_from_the_url_log_in(app):
    logins = []

    def authenticator(server, session, envelope, mechanism, data):
        assert isinstance(data, LoginPassword)
        logins.append((data.login.decode(), data.password.decode()))
        # handled=False: aiosmtpd answers the failure itself (535).
        return AuthResult(success=data.password == b"p:ss/word", handled=False)

    server = SMTPServer(authenticator=authenticator, auth_require_tls=False,
                        auth_required=True).start()  # fmt: skip
    try:
        with app.app_context():
            app.config["MAIL_URL"] = (
                f"smtp://user%40example.cn:p%3Ass%2Fword@127.0.0.1:{server.port}"
            )
            assert _sent([Mail("a@example.cn", "主题", "正文")]) == 1
            app.config["MAIL_URL"] = f"smtp://user:wrong@127.0.0.1:{server.port}"
            assert _sent([Mail("a@example.cn", "主题", "正文")]) == 0
    finally:
        server.stop()
    # smtplib tries each mechanism the server offers before giving up.
    assert logins[0] == ("user@example.cn", "p:ss/word")
    assert set(logins[1:]) == {("user", "wrong")}
    assert len(server.inbox.take()) == 1


def test_without_mail_url_nothing_is_tried(app, caplog):
    with app.app_context(), caplog.at_level(logging.DEBUG):
        app.config["MAIL_URL"] = None
        assert deliver([Mail("a@example.cn", "主题", "正文")]) == [
            "MAIL_URL is not set"
        ]
    assert caplog.text == ""


def test_a_slow_server_times_out(app, caplog):
    """A server that accepts the connection and never answers: the timeout
    in MAIL_URL bounds the wait."""
    import socket
    import time

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with app.app_context(), caplog.at_level(logging.WARNING):
            app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}?timeout=0.3"
            started = time.monotonic()
            assert _sent([Mail("a@example.cn", "主题", "正文")]) == 0
            assert time.monotonic() - started < 3
    assert "timed out" in caplog.text


def test_deliver_mail_once_sends_what_is_due(app, runner, inbox):
    """`flask cms deliver-mail --once` (make run's mail process, one look):
    the queued message is sent and its row says so."""
    from cms.models import OutboxMessage, OutboxStatus
    from cms.services.mail import Mail
    from cms.services.outbox import enqueue_mail

    with app.app_context():
        enqueue_mail([Mail("editor@example.cn", "待审评论", "有一条新评论等待审核。")])
    result = runner.invoke(args=["cms", "deliver-mail", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.SENT]
    [message] = inbox.take()
    assert message.to == "editor@example.cn" and message.subject == "待审评论"
