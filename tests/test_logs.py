"""Structured logs: a request id on every answer and every line, one line
per login, logout, audited action, delivery try and job, written only for
what committed, in text or JSON."""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta

import pytest

from cms import ROOT, create_app
from cms.database import write_transaction
from cms.logs import EVENTS, JsonFormatter, TextFormatter
from cms.models import Role
from cms.services.audit import record
from cms.services.errors import InvalidInput
from cms.services.jobs import Job, run_due_jobs
from cms.services.mail import Mail
from cms.services.outbox import deliver_due, enqueue_mail
from cms.services.users import normalize_email
from tests.factories import make_user


@pytest.fixture
def lines(caplog):
    """The `cms.log` records, as {"event": …, fields…, "request_id": …}."""
    caplog.set_level(logging.INFO, logger=EVENTS.name)

    def read() -> list[dict]:
        return [
            record.fields | {"request_id": record.request_id}
            for record in caplog.records
            if record.name == EVENTS.name
        ]

    return read


def test_every_answer_carries_a_request_id(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]
    sent = client.get("/healthz", headers={"X-Request-ID": "edge-42.a"})
    assert sent.headers["X-Request-ID"] == "edge-42.a"
    for hostile in ("a b", "x" * 65, "<script>"):
        answer = client.get("/healthz", headers={"X-Request-ID": hostile})
        assert answer.headers["X-Request-ID"] != hostile
        assert len(answer.headers["X-Request-ID"]) == 32


def test_logins_and_logouts_are_logged_with_the_request_id(app, client, login, lines):
    with app.app_context():
        user_id = make_user("editor1", Role.EDITOR).id
    failed = client.post(
        "/auth/login",
        data={"username": "editor1", "password": "wrong password"},
        headers={"X-Request-ID": "try-1"},
    )
    assert failed.status_code == 401
    assert login("editor1").status_code == 303
    client.post("/auth/logout", data={})
    got = [
        (line["event"], line.get("user_id"), line.get("username")) for line in lines()
    ]
    assert got == [
        ("auth.login_failed", None, "editor1"),
        ("auth.login", user_id, None),
        ("auth.logout", user_id, None),
    ]
    assert lines()[0]["request_id"] == "try-1"
    assert "wrong password" not in json.dumps(lines())


def test_an_audited_action_is_logged_once_it_commits(ctx, lines):
    admin = make_user("root", Role.ADMIN)
    with pytest.raises(RuntimeError), write_transaction():
        record(admin, "comment-approve", "comment", [1, 2])
        raise RuntimeError("the action failed halfway")
    assert [line for line in lines() if line["event"] == "moderation.action"] == []
    with write_transaction():
        entry = record(admin, "comment-approve", "comment", [1, 2])
    [line] = [line for line in lines() if line["event"] == "moderation.action"]
    assert line | {"request_id": "-"} == {
        "event": "moderation.action",
        "entry_id": entry.id,
        "actor_id": admin.id,
        "action": "comment-approve",
        "target_type": "comment",
        "target_ids": [1, 2],
        "count": 2,
        "request_id": "-",
    }


def test_jobs_log_their_runs_and_failures(ctx, lines):
    def broken() -> None:
        raise ValueError("disk on fire")

    jobs = [Job("fine", timedelta(minutes=1), lambda: None),
            Job("broken", timedelta(minutes=1), broken)]  # fmt: skip
    assert run_due_jobs(jobs=jobs) == ["fine"]
    got = {line["job"]: line for line in lines()}
    assert got["fine"]["event"] == "job.ran" and got["fine"]["ms"] >= 0
    assert got["broken"]["event"] == "job.failed"
    assert got["broken"]["error"] == "ValueError: disk on fire"


@pytest.mark.parametrize("reachable", [True, False])
def test_each_delivery_try_is_logged(app_config, smtp_server, reachable, lines):
    app_config["MAIL_URL"] = smtp_server.url if reachable else "smtp://127.0.0.1:9"
    app = create_app(app_config)
    with app.app_context():
        from cms.extensions import db

        db.create_all()
        enqueue_mail([Mail("editor@example.com", "主题", "正文")])
        deliver_due()
    [line] = [line for line in lines() if line["event"].startswith("mail.")]
    assert line["kind"] == "mail" and line["attempts"] == 1
    if reachable:
        assert line["event"] == "mail.sent" and "error" not in line
    else:
        assert line["event"] == "mail.failed" and line["retry"] is True
        assert line["error"]


def _record(**fields) -> logging.LogRecord:
    record = logging.LogRecord(
        "cms.log", logging.INFO, __file__, 1, "auth.login", None, None
    )
    record.fields = {"event": "auth.login", **fields}
    record.request_id = "rid-1"
    return record


def test_json_lines_parse_and_carry_every_field():
    data = json.loads(JsonFormatter().format(_record(user_id=3, ip="10.0.0.1")))
    assert data["event"] == "auth.login" and data["user_id"] == 3
    assert data["request_id"] == "rid-1" and data["level"] == "INFO"
    assert data["ip"] == "10.0.0.1"


def test_text_lines_read_as_key_value_pairs():
    line = TextFormatter().format(_record(username="编辑 一"))
    assert "[rid-1] auth.login" in line
    assert 'username="编辑 一"' in line


def test_log_format_is_checked_and_json_reaches_stderr(app_config, capsys):
    root = logging.getLogger("cms")
    kept = root.handlers[:], root.level, logging.getLogger().handlers[:]
    try:
        with pytest.raises(RuntimeError, match="LOG_FORMAT"):
            create_app(app_config | {"LOG_FORMAT": "xml"})
        app = create_app(app_config | {"TESTING": False, "LOG_FORMAT": "json"})
        with app.test_request_context(headers={"X-Request-ID": "from-nginx"}):
            app.preprocess_request()
            EVENTS.info("auth.logout", extra={"fields": {"event": "auth.logout"}})
        [printed] = [
            x for x in capsys.readouterr().err.splitlines() if "auth.logout" in x
        ]
        assert json.loads(printed)["request_id"] == "from-nginx"
    finally:
        root.handlers, logging.getLogger().handlers = kept[0], kept[2]
        root.setLevel(kept[1])


@pytest.fixture
def handlers():
    """The `cms` and root loggers' handlers and levels, restored afterwards
    (a non-testing app installs its own)."""
    ours, root = logging.getLogger("cms"), logging.getLogger()
    kept = ours.handlers[:], ours.level, root.handlers[:]
    yield
    ours.handlers, root.handlers = kept[0], kept[2]
    ours.setLevel(kept[1])


def _failure() -> logging.LogRecord:
    """A record of an exception raised in our code with data in its message."""
    try:
        normalize_email("leaked@@example.cn")
    except InvalidInput:
        record = logging.LogRecord(
            "cms", logging.ERROR, __file__, 1, "it failed", None, sys.exc_info()
        )
    record.request_id = "rid-2"
    return record


@pytest.mark.parametrize("formatter", [JsonFormatter, TextFormatter])
def test_without_tracebacks_a_line_names_the_error_and_our_frames(formatter):
    line = formatter(tracebacks=False).format(_failure())

    assert "\n" not in line
    assert "Traceback" not in line and "leaked" not in line
    assert str(ROOT) not in line and ".py" not in line
    assert "cms.services.errors.InvalidInput" in line
    assert "cms.services.users:normalize_email:" in line


def test_with_tracebacks_a_json_line_carries_it():
    data = json.loads(JsonFormatter().format(_failure()))
    assert data["exc"].startswith("Traceback (most recent call last)")


class TestUnhandled:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"PROPAGATE_EXCEPTIONS": False}  # the 500 page

    def test_it_is_logged_with_its_url_rule_not_its_url(self, app, client, caplog):
        @app.get("/_test/fail/<token>")
        def fail(token):
            raise RuntimeError("boom")

        assert client.get("/_test/fail/s3cr3t-t0ken").status_code == 500
        [record] = [r for r in caplog.records if r.exc_info]
        assert record.getMessage() == "unhandled exception in GET /_test/fail/<token>"
        assert "s3cr3t" not in caplog.text


def test_json_mode_writes_every_loggers_lines_as_json(app_config, capsys, handlers):
    create_app(app_config | {"TESTING": False, "LOG_FORMAT": "json"})
    logging.getLogger("some.library").warning("库的警告")
    logging.getLogger("cms.somewhere").info("我们的消息")

    printed = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(p["logger"], p["message"]) for p in printed] == [
        ("some.library", "库的警告"),
        ("cms.somewhere", "我们的消息"),
    ]


def test_a_password_typed_as_the_username_is_not_logged(app, client, lines):
    with app.app_context():
        make_user("editor1", Role.EDITOR)
    client.post("/auth/login", data={"username": "my-Secret-pass", "password": "x"})
    client.post("/auth/login", data={"username": "EDITOR1", "password": "wrong"})

    assert [line.get("username") for line in lines()] == [None, "editor1"]
    assert "Secret" not in json.dumps(lines())
