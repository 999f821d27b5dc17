"""Structured logs: one line per thing that happened, with the request's id.

`log_event("auth.login", user_id=3)` writes one line on the `cms.log`
logger: in text (the default, for a terminal) or as one JSON object per line
(`LOG_FORMAT=json`, for a log collector). Every line carries the request id:
the `X-Request-ID` the proxy in front sent (when it looks like an id), or
one made here; the answer repeats it in its own `X-Request-ID` header, and
`make run`'s access log prints it too, so a reader's report, the access log
and the application's lines meet on one id.

What is logged (`event` names): `auth.login`, `auth.login_failed`,
`auth.logout`, `moderation.action` (every audit entry), `mail.sent`,
`mail.failed`, `mail.dropped`, `job.ran`, `job.failed`. Passwords, tokens and
message bodies are never logged.

The two formatters are written here rather than taken from a library: each
is a few lines over the standard `logging` module, which does the rest.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from typing import Any

from flask import Flask, Response, g, request

from cms.database import call_after_commit

EVENTS = logging.getLogger("cms.log")
HEADER = "X-Request-ID"
_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_request_id: ContextVar[str] = ContextVar("cms_request_id", default="-")


def request_id() -> str:
    """The current request's id ("-" outside a request: jobs, the CLI)."""
    return _request_id.get()


def log_event(event: str, *, after_commit: bool = False, **fields: Any) -> None:
    """Write one line saying `event` happened, with `fields` (plain values).
    `after_commit=True` inside a write transaction: only once it commits
    (nothing for a rolled-back unit); at once outside one."""
    line = {"event": event, **fields}
    rid = request_id()

    def write() -> None:
        EVENTS.info(event, extra={"fields": line, "request_id": rid})

    if after_commit:
        call_after_commit(write)
    else:
        write()


class _WithRequestId(logging.Filter):
    """Puts the current request id on every record that lacks one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class TextFormatter(logging.Formatter):
    """`time level logger [request id] message key=value …`."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        )

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None) or {}
        extra = " ".join(
            f"{key}={json.dumps(value, ensure_ascii=False, default=str)}"
            for key, value in fields.items()
            if key != "event"
        )
        return f"{line} {extra}" if extra else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, message,
    the event's fields, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        data |= getattr(record, "fields", None) or {}
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def _start_request() -> None:
    sent = request.headers.get(HEADER, "")
    rid = sent if _ID.fullmatch(sent) else uuid.uuid4().hex
    g.cms_request_id_token = _request_id.set(rid)


def _finish_request(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    return response


def _end_request(_error: BaseException | None) -> None:
    token = g.pop("cms_request_id_token", None)
    if token is not None:
        _request_id.reset(token)


def register_logging(app: Flask) -> None:
    """Give the `cms` loggers one handler on stderr in LOG_FORMAT (text or
    json) at LOG_LEVEL, and every request an id. Under pytest the handler is
    left out (pytest captures the records itself)."""
    if app.config.get("LOG_FORMAT", "text") not in ("text", "json"):
        raise RuntimeError("LOG_FORMAT must be text or json")
    root = logging.getLogger("cms")
    if not app.testing:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            JsonFormatter()
            if app.config.get("LOG_FORMAT") == "json"
            else TextFormatter()
        )
        handler.addFilter(_WithRequestId())
        root.handlers = [handler]
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    elif root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)
