"""The owner's webhook per new comment, POSTed by the outbox (never in the
request) to a local HTTP server the test starts: the generic JSON, 企业微信
and 钉钉 robot and Server酱 shapes; a robot's error code is a failed try."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import OutboxMessage, OutboxStatus
from cms.services.outbox import deliver_due
from cms.services.reply_notices import WEBHOOK_KIND
from cms.services.webhooks import Hook, format_for, send_hooks
from tests.comments.support import comment_id_from, post_comment, reader


class Receiver:
    """A local HTTP server keeping every POST (path, headers, body); it
    answers with `answer` (JSON)."""

    def __init__(self):
        self.requests: list[tuple[str, dict, bytes]] = []
        self.answer = b'{"errcode": 0, "errmsg": "ok"}'
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                outer.requests.append((self.path, dict(self.headers),
                                       self.rfile.read(length)))  # fmt: skip
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(outer.answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def _post(client, article, n=1, **extra):
    response = post_comment(client, article.public_id, **reader(n, **extra))
    return comment_id_from(response, article.public_id)


def _hook(app, client, article, settings, receiver, shape, path="/hook"):
    settings(notify__webhook_url=receiver.url(path), notify__webhook_format=shape)
    comment = _post(client, article, body="第一行\n第二行：写得真好")
    assert receiver.requests == []  # nothing in the request itself
    with app.app_context():
        report = deliver_due()
    assert report.sent == 1
    [(got_path, headers, body)] = receiver.requests
    assert got_path == path
    return comment, headers, body


def test_generic_json(app, client, article, settings, receiver):
    comment, headers, body = _hook(app, client, article, settings, receiver, "json")

    assert headers["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(body)
    assert data["event"] == "comment.created"
    assert data["article"] == {
        "title": "评论测试文章",
        "url": f"http://cms.test/{article.public_id}.html",
    }
    assert data["comment"]["id"] == comment
    assert data["comment"]["author"] == "读者1"
    assert data["comment"]["body"] == "第一行\n第二行：写得真好"
    assert data["comment"]["status"] == "pending"  # first comment: held
    assert data["comment"]["url"].endswith(f"#comment-{comment}")


def test_wecom_robot(app, client, article, settings, receiver):
    _, _, body = _hook(app, client, article, settings, receiver, "wecom")

    data = json.loads(body)
    assert data["msgtype"] == "markdown"
    content = data["markdown"]["content"]
    assert "《评论测试文章》有新评论（待审核）" in content
    assert "> 第一行\n> 第二行：写得真好" in content


def test_dingtalk_robot(app, client, article, settings, receiver):
    _, _, body = _hook(app, client, article, settings, receiver, "dingtalk")

    data = json.loads(body)
    assert data["msgtype"] == "markdown"
    assert data["markdown"]["title"] == "《评论测试文章》有新评论（待审核）"
    assert "读者1" in data["markdown"]["text"]


def test_serverchan(app, client, article, settings, receiver):
    _, headers, body = _hook(
        app, client, article, settings, receiver, "serverchan", "/SCT123.send"
    )

    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(body.decode())
    assert form["title"] == ["《评论测试文章》有新评论（待审核）"]
    assert "第二行：写得真好" in form["desp"][0]


def test_a_robot_error_code_is_a_failed_try_retried_later(
    app, client, article, settings, receiver
):
    receiver.answer = b'{"errcode": 93000, "errmsg": "invalid webhook url"}'
    settings(notify__webhook_url=receiver.url("/hook"), notify__webhook_format="wecom")
    _post(client, article)

    with app.app_context():
        report = deliver_due()
        row = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == WEBHOOK_KIND)
        )
        assert report.retrying == 1
        assert row.status == OutboxStatus.PENDING
        assert "93000" in row.last_error


def test_no_webhook_row_when_unset(app, client, article):
    _post(client, article)

    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.parametrize(
    ("url", "shape"),
    [
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "wecom"),
        ("https://oapi.dingtalk.com/robot/send?access_token=t", "dingtalk"),
        ("https://sctapi.ftqq.com/SCT1.send", "serverchan"),
        ("https://hooks.example.cn/cms", "json"),
    ],
)
def test_auto_format_follows_the_host(url, shape):
    assert format_for(url, "auto") == shape
    assert format_for(url, "json") == "json"


def test_the_webhook_url_setting_is_checked(app):
    from cms.services.errors import InvalidInput
    from cms.services.settings import set_setting

    with app.app_context():
        for bad in ("ftp://example.cn/x", "javascript:alert(1)", "not a url"):
            with pytest.raises(InvalidInput):
                set_setting("notify.webhook_url", bad)
        with pytest.raises(InvalidInput):
            set_setting("notify.webhook_format", "slack")


def test_a_failed_hook_is_logged_by_its_host_not_its_url(app, caplog):
    """A robot's URL carries its access token: the log names the host only."""
    hook = Hook("http://127.0.0.1:9/robot/send?access_token=tok-7f3a", b"{}", "json")
    with app.test_request_context():
        [error] = send_hooks([hook])
    assert error
    assert "127.0.0.1" in caplog.text
    assert "tok-7f3a" not in caplog.text


def test_only_http_urls_are_opened(app):
    with app.test_request_context():
        assert send_hooks([Hook("file:///etc/passwd", b"{}", "json")]) == [
            "不是 http(s) 地址"
        ]
