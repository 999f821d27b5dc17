"""gunicorn's access log (cms/access_log.py, gunicorn.conf.py): the tokens
that reset, unsubscribe and moderate-by-mail links carry in their path never
reach it, and with LOG_FORMAT=json every line is one JSON object with the
answer's request id, and gunicorn's own lines (start, workers, stop) are JSON
too."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cms import create_app
from cms.access_log import as_json, redact
from cms.extensions import db
from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET = "Zq9s3cr3t-reset-token.abcdefghijklmnop"
PATHS = [
    f"/auth/reset/{SECRET}",
    f"/comments/unsubscribe/{SECRET}",
    f"/moderation-mail/{SECRET}",
    f"/search?q=x&token={SECRET}",
    "/healthz",
]


def test_redact_keeps_the_shape_and_drops_the_secrets():
    line = redact(f"GET /auth/reset/{SECRET}?next=/x HTTP/1.1")
    assert line == "GET /auth/reset/…?next=… HTTP/1.1"
    assert redact("/category/shou-ji/?page=2") == "/category/shou-ji/?page=…"
    assert redact("/abc.html") == "/abc.html"


@pytest.mark.parametrize(
    ("environment", "json_lines"),
    [
        ({}, False),
        ({"CMS_CONFIG": "production"}, True),  # the app's own default there
        ({"CMS_CONFIG": "production", "LOG_FORMAT": "text"}, False),
        ({"LOG_FORMAT": "json"}, True),
    ],
)
def test_gunicorn_logs_in_the_apps_format(monkeypatch, environment, json_lines):
    monkeypatch.delenv("CMS_CONFIG", raising=False)
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert as_json() is json_lines


@pytest.mark.server
def test_the_access_log_is_json_and_holds_no_token(tmp_path):
    database = tmp_path / "site.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port, log, errors = free_port(), tmp_path / "access.log", tmp_path / "error.log"
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "access-log-test-secret-0123456789abcdef",
        "LOG_FORMAT": "json",
        "PAGE_CACHE": "0",
    }
    process = subprocess.Popen(
        [str(GUNICORN), "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "--error-logfile", str(errors),
         "--no-control-socket", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    ids = []
    try:
        wait_for_port(port, timeout=60)
        for path in PATHS:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers={"Referer": f"http://x{PATHS[0]}"})
            answer = conn.getresponse()
            answer.read()
            ids.append(answer.getheader("X-Request-ID"))
            conn.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    deadline = time.monotonic() + 5
    while log.read_text().count("\n") < len(PATHS) and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    assert SECRET not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["request_id"] for line in lines] == ids
    assert lines[0]["path"] == "/auth/reset/…"
    assert lines[3]["query"] == "q=…&token=…"
    assert all(line["status"] in ("200", "302", "404", "400", "303") for line in lines)

    own = [json.loads(line) for line in errors.read_text().splitlines()]
    messages = " | ".join(line["message"] for line in own)
    assert {line["logger"] for line in own} == {"gunicorn.error"}
    assert "Listening at" in messages and "Booting worker" in messages
    assert "Shutting down" in messages
