"""Errors and logs (ASVS 7, 16): under the production configuration, requests
that answer 400, 401, 403, 404, 405, 413, 429, 500 and 503 (a route of
the check raises, another sends SQL with a bound value that fails), and
logins, a password typed into the username field, a reset link, comments;
every answer's page and every line the app's log handler wrote (production
JSON mode, on the root logger) are searched for a traceback, a path of the
code, the SECRET_KEY, the passwords used, the session cookie, the CSRF and
comment-form tokens (log lines only: pages carry their own form's token),
the reset token and the database URL. Each log line must be one JSON object
with the request id of an answer. The production config must keep DEBUG
off (and refuse to start with FLASK_DEBUG=1) and log JSON without tracebacks.
FOUND: a secret or traceback in a page or line, a line that is not such an
object, DEBUG on or allowed, a production default that is not JSON."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import text

import config
from cms import ROOT, create_app
from cms.extensions import db
from cms.models import Role, User
from cms.services.password_reset import issue_token
from cms.services.users import create_user
from cms.services.views import flush_views
from tests.security.commenting import ORIGIN, form_fields
from tests.security.harness import PASSWORD, Site, Tally, check, form_token, planted

ADDRESS = "198.51.100.77"  # the check's own client address (rate limits)
TRACES = ("Traceback (most recent call last)", 'File "', str(ROOT))


def _production_app(site: Site, secret: str) -> tuple[Flask, Path]:
    """An app with every ProductionConfig value, on a copy of the site's
    database (its rate limits and accounts apart from the other checks')."""
    database = site.folder / "production.sqlite"
    with sqlite3.connect(site.folder / "site.sqlite") as source:
        target = sqlite3.connect(database)
        source.backup(target)
        target.close()
    settings = {
        key: getattr(config.ProductionConfig, key)
        for key in dir(config.ProductionConfig)
        if key.isupper()
    }
    settings |= {  # what only TestingConfig sets, back to production's
        "TESTING": False,
        "WTF_CSRF_ENABLED": True,
        "PASSWORD_HASH_CHEAP": False,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "MEDIA_URL": f"file://{site.folder / 'media'}",
        "SITE_URL": ORIGIN,
        "REDIS_URL": None,
        "MAIL_URL": None,
        "PAGE_CACHE": False,  # its sync file would sit in the checkout
        "PAGE_STORE": None,
        "OUTBOX_THREAD": False,  # no threads outliving the check
        "VIEW_FLUSH_THREAD": False,
        "RELATED_MODE": "tick",
        "LOG_LEVEL": "INFO",
    }
    return create_app(settings), database


def _failing_routes(app: Flask, secret: str) -> None:
    @app.get("/__check/boom")
    def boom():
        raise RuntimeError(
            f"{secret} {PASSWORD} {app.config['SQLALCHEMY_DATABASE_URI']}"
        )

    @app.get("/__check/sql")
    def bad_sql():
        db.session.execute(
            text("SELECT * FROM no_such_table WHERE x = :p"), {"p": PASSWORD}
        )
        return "unreachable"


class _Run:
    """The requests of the check and what they revealed."""

    def __init__(self, app: Flask, secrets_: dict[str, str]) -> None:
        self.app = app
        self.secrets = secrets_  # name -> value, searched in pages and lines
        self.log_only: dict[str, str] = {}  # found in pages by design
        self.pages: list[tuple[str, int, str]] = []
        self.ids: set[str] = set()
        self.client = app.test_client()

    def send(self, method: str, path: str, **kwargs):
        kwargs.setdefault("environ_base", {"REMOTE_ADDR": ADDRESS})
        response = self.client.open(path, method=method, **kwargs)
        self.pages.append(
            (
                f"{method} {path[:60]}",
                response.status_code,
                response.get_data(as_text=True),
            )
        )
        self.ids.add(response.headers.get("X-Request-ID", ""))
        return response


def _requests(run: _Run, site: Site, own_password: str) -> None:
    send = run.send
    send("GET", "/no-such-page")
    send("GET", "/search?q=%00")
    send("GET", "/?page=99999999999999999999")
    send("GET", "/auth/logout")
    send("POST", "/auth/login", data={"username": "admin", "password": PASSWORD})
    send("POST", "/auth/login", data={"username": "x" * (17 << 20)})  # 413
    token = form_token(send("GET", "/auth/login").get_data(as_text=True)) or ""
    run.log_only["the login form's CSRF token"] = token
    login = {"csrf_token": token}
    # The 401 page shows the typed username back to its typist (its own
    # input, as any form does): judged by the log lines only.
    typed = send(
        "POST", "/auth/login", data=login | {"username": PASSWORD, "password": "x"}
    )
    run.pages.remove(
        ("POST /auth/login", typed.status_code, typed.get_data(as_text=True))
    )
    for _ in range(5):  # the fifth failure makes the sixth answer 429
        send(
            "POST",
            "/auth/login",
            data=login | {"username": "nobody", "password": PASSWORD},
        )
    send(
        "POST", "/auth/login", data=login | {"username": "nobody", "password": PASSWORD}
    )
    send("GET", "/__check/boom")
    send("GET", "/__check/sql")
    _comment(run, site)
    _reset(run)
    run.client = run.app.test_client()  # another client address: a fresh limit
    page = send("GET", "/auth/login", environ_base={"REMOTE_ADDR": "198.51.100.78"})
    token = form_token(page.get_data(as_text=True)) or ""
    data = {"csrf_token": token, "username": "leak-check", "password": own_password}
    send(
        "POST", "/auth/login", data=data, environ_base={"REMOTE_ADDR": "198.51.100.78"}
    )
    cookie = run.client.get_cookie("session")
    run.secrets["the session cookie"] = cookie.value if cookie else ""
    send("GET", "/moderation/settings")
    send("GET", "/moderation/")


def _comment(run: _Run, site: Site) -> None:
    page = run.send("GET", f"/{site.reference}.html").get_data(as_text=True)
    fields = form_fields(page)
    run.log_only["the comment form's token"] = fields.get("csrf_token", "")
    path = f"/comments/{site.reference}"
    bad = fields | {"email": "not-an-address", "author": "读者"}
    run.send("POST", path, data=bad, headers={"Origin": ORIGIN})
    forged = fields | {"csrf_token": "forged", "author": "读者"}
    run.send("POST", path, data=forged, headers={"Origin": ORIGIN})


def _reset(run: _Run) -> None:
    with run.app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "leak-check"))
        token = issue_token(user)
    run.secrets["the reset token"] = token
    page = run.send("GET", f"/auth/reset/{token}").get_data(as_text=True)
    csrf = form_token(page) or ""
    weak = f"mismatch-{secrets.token_hex(8)}"
    run.secrets["a refused new password"] = weak
    data = {"csrf_token": csrf, "password": weak, "confirm": weak + "!"}
    run.send("POST", f"/auth/reset/{token}", data=data)
    run.send("GET", "/auth/reset/not-a-token")


def _leaks(value: str, secrets_: dict[str, str]) -> list[str]:
    found = [name for name, secret in secrets_.items() if secret and secret in value]
    return found + [f"trace {mark!r}" for mark in TRACES if mark in value]


def _judge_lines(tally: Tally, lines: list[str], run: _Run) -> None:
    searched = run.secrets | run.log_only
    for line in lines:
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("request_id") not in run.ids:
            tally.attempt(True, f"not a JSON line with a request id: {line[:120]}")
            continue
        found = _leaks(line, searched)
        tally.attempt(bool(found), f"log line with {found}: {line[:160]}")


def _judge_config(tally: Tally, site: Site) -> None:
    production = config.ProductionConfig
    tally.attempt(bool(production.DEBUG), "ProductionConfig.DEBUG is on")
    tally.attempt(
        production.LOG_FORMAT != "json" and "LOG_FORMAT" not in os.environ,
        f"production logs {production.LOG_FORMAT}, not JSON",
    )
    tally.attempt(bool(production.LOG_TRACEBACKS), "production logs tracebacks")
    debugging = type(
        "Debugging",
        (production,),
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{site.folder / 'debug.sqlite'}",
        },
    )
    kept = os.environ.get("FLASK_DEBUG")
    os.environ["FLASK_DEBUG"] = "1"
    try:
        started = create_app(debugging)
        tally.attempt(True, f"production started with FLASK_DEBUG=1: {started.debug}")
    except RuntimeError:
        tally.attempt(False)
    finally:
        if kept is None:
            os.environ.pop("FLASK_DEBUG", None)
        else:
            os.environ["FLASK_DEBUG"] = kept


@check("error-leaks")
def run(site: Site) -> Tally:
    tally = Tally("error-leaks")
    secret_key = secrets.token_hex(32)
    own_password = f"leak check {secrets.token_hex(6)}"
    ours, root = logging.getLogger("cms"), logging.getLogger()
    kept = ours.handlers[:], ours.level, root.handlers[:]
    try:
        _judge_config(tally, site)
        app, database = _production_app(site, secret_key)
        stream = io.StringIO()
        for handler in root.handlers:
            if handler.get_name() == "cms":
                handler.setStream(stream)  # type: ignore[attr-defined]
        _failing_routes(app, secret_key)
        with app.app_context():
            create_user("leak-check", Role.CONTRIBUTOR, own_password, "查漏")
        run_ = _Run(
            app,
            {
                "SECRET_KEY": secret_key,
                "the test password": PASSWORD,
                "the check's password": own_password,
                "the database URL": app.config["SQLALCHEMY_DATABASE_URI"],
            },
        )
        _requests(run_, site, own_password)
        with app.app_context():
            flush_views()
            db.engine.dispose()
        app.testing = True  # its database goes with the site: no flush at exit
    finally:
        ours.handlers, root.handlers = kept[0], kept[2]
        ours.setLevel(kept[1])
    statuses = {status for _, status, _ in run_.pages}
    for wanted in (400, 401, 403, 404, 405, 413, 429, 500, 503):
        tally.attempt(wanted not in statuses, f"no answer {wanted} was provoked")
    for what, status, page in run_.pages:
        found = _leaks(page, run_.secrets)
        tally.attempt(bool(found), f"{what} ({status}) shows {found}")
    lines = stream.getvalue().splitlines()
    tally.attempt(not lines, "the run wrote no log line")
    _judge_lines(tally, lines, run_)
    return tally


@planted("error-leaks")
def _leaky(site: Site, monkeypatch) -> None:
    """The 500 page shows the traceback; a failed login logs what was typed
    as the username (a password, when typed in the wrong field)."""
    import traceback

    import cms.errors

    original = cms.errors._render

    def render(code: int, detail: str | None = None):
        if code == 500:
            return f"<pre>{traceback.format_exc()}</pre>", 500
        return original(code, detail)

    monkeypatch.setattr(cms.errors, "_render", render)
    monkeypatch.setattr("cms.auth.views.known_username", lambda typed: typed)
