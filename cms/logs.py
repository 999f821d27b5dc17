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

Exceptions: with LOG_TRACEBACKS (development) a line carries the traceback;
without it (production) only the exception's type and where our code was
(`error`, `where`: module:function:line of each frame in `cms`), never its
message, the source lines or file paths, which can hold data (SQL
parameters, addresses, tokens). An unhandled exception is logged with the
request's URL rule (`/auth/reset/<token>`), not its URL. In JSON mode the
handler sits on the root logger, so the libraries' lines are JSON too.

The two formatters are written here rather than taken from a library: each
is a few lines over the standard `logging` module, which does the rest.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import uuid
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from flask import Flask, Response, g, request

from cms.database import call_after_commit

EVENTS = logging.getLogger("cms.log")
HEADER = "X-Request-ID"
HANDLER_NAME = "cms"  # the handler register_logging installs
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


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def exception_fields(exc_info: ExcInfo) -> dict[str, Any]:
    """An exception as a log line may show it without a traceback: its type
    (`error`) and the frames of our code it passed through (`where`,
    `module:function:line`, innermost last, at most 10)."""
    kind, _value, trace = exc_info
    where = [
        f"{frame.f_globals.get('__name__', '?')}:{frame.f_code.co_name}:{line}"
        for frame, line in traceback.walk_tb(trace)
        if str(frame.f_globals.get("__name__", "")).partition(".")[0] == "cms"
    ]
    return {"error": f"{kind.__module__}.{kind.__qualname__}", "where": where[-10:]}


class TextFormatter(logging.Formatter):
    """`time level logger [request id] message key=value …`; the traceback
    on the next lines when `tracebacks`, else `error=` and `where=`."""

    def __init__(self, tracebacks: bool = True) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        )
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        fields = dict(getattr(record, "fields", None) or {})
        if record.exc_info and not self.tracebacks:
            fields |= exception_fields(record.exc_info)  # type: ignore[arg-type]
            record = logging.makeLogRecord(record.__dict__)
            record.exc_info = record.exc_text = record.stack_info = None
        line = super().format(record)
        extra = " ".join(
            f"{key}={json.dumps(value, ensure_ascii=False, default=str)}"
            for key, value in fields.items()
            if key != "event"
        )
        return f"{line} {extra}" if extra else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, message,
    the event's fields, and the traceback (`exc`, when `tracebacks`) or the
    exception's `error` and `where`."""

    def __init__(self, tracebacks: bool = True) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        data |= getattr(record, "fields", None) or {}
        if record.exc_info and self.tracebacks:
            data["exc"] = self.formatException(record.exc_info)
        elif record.exc_info:
            data |= exception_fields(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(data, ensure_ascii=False, default=str)


def log_unhandled(app: Flask, exc_info: ExcInfo) -> None:
    """Log an exception no handler answered (Flask.log_exception): the
    method and URL rule, not the URL, whose values may be tokens."""
    rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
    app.logger.error(
        "unhandled exception in %s %s", request.method, rule, exc_info=exc_info
    )


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
    """Give the `cms` loggers one handler on stderr in LOG_FORMAT (text, or
    json on the root logger: every logger's lines) at LOG_LEVEL, with
    tracebacks as LOG_TRACEBACKS says, and every request an id. Under pytest
    the handler is left out (pytest captures the records itself)."""
    if app.config.get("LOG_FORMAT", "text") not in ("text", "json"):
        raise RuntimeError("LOG_FORMAT must be text or json")
    ours = logging.getLogger("cms")
    if not app.testing:
        as_json = app.config.get("LOG_FORMAT") == "json"
        tracebacks = bool(app.config.get("LOG_TRACEBACKS", True))
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            JsonFormatter(tracebacks) if as_json else TextFormatter(tracebacks)
        )
        handler.addFilter(_WithRequestId())
        handler.set_name(HANDLER_NAME)
        root = logging.getLogger()
        root.handlers = [h for h in root.handlers if h.get_name() != HANDLER_NAME]
        if as_json:
            root.addHandler(handler)
            ours.handlers = []
        else:
            ours.handlers = [handler]
        ours.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    elif ours.level == logging.NOTSET:
        ours.setLevel(logging.INFO)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)
