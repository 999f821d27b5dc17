"""gunicorn's logs: the access log without the secrets some URLs carry, and
both logs as JSON lines where the application's are.

A password-reset link, an unsubscribe link and a moderate-by-mail link hold
their authority in the path (`/auth/reset/<token>`, …): logged as they came,
anyone who reads the log could use them. `AccessLogger` (gunicorn.conf.py's
`logger_class`) prints such a path with its token replaced by `…`, in the
request line, the path and the Referer alike, and drops query strings' values
(`?token=…`). With LOG_FORMAT=json each access line is one JSON object (time,
remote address, method, path, status, bytes, milliseconds, user agent,
request id), like the application's own lines (cms/logs.py), and so is
each of gunicorn's own lines (booting, workers started and stopped, a worker
timing out): its error log gets the application's JsonFormatter.

LOG_FORMAT is read from the environment, with the application's default:
json in production (CMS_CONFIG=production), text elsewhere. Tracebacks in
gunicorn's lines follow the application too: none in production.
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from cms.logs import JsonFormatter

# Paths whose next segment is a token (cms/auth, cms/comments, cms/email_actions).
_SECRET_PATH = re.compile(
    r"(/auth/reset/|/comments/unsubscribe/|/moderation-mail/)[^/?#\s\"]+"
)
_QUERY_VALUE = re.compile(r"=[^&\s\"#]*")


def redact(text: str) -> str:
    """`text` (a path, a request line or a URL) with path tokens as `…` and
    query values dropped."""
    text = _SECRET_PATH.sub(r"\1…", text)
    head, mark, rest = text.partition("?")
    if not mark:
        return text
    query, space, tail = rest.partition(" ")
    return f"{head}?{_QUERY_VALUE.sub('=…', query)}{space}{tail}"


def _production() -> bool:
    return os.environ.get("CMS_CONFIG") == "production"


def as_json() -> bool:
    """Whether gunicorn's lines are JSON: LOG_FORMAT, else the app's default."""
    return os.environ.get("LOG_FORMAT", "json" if _production() else "text") == "json"


class AccessLogger(Logger):
    """gunicorn's Logger with redacted access lines and, when `as_json()`,
    JSON lines in both logs (see the module doc)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        if as_json():
            formatter = JsonFormatter(tracebacks=not _production())
            for handler in self.error_log.handlers:
                handler.setFormatter(formatter)

    def atoms(self, resp, req, environ, request_time) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        if isinstance(atoms.get("q"), str):  # the query string, without its "?"
            atoms["q"] = _QUERY_VALUE.sub("=…", atoms["q"])
        return atoms

    def access(self, resp, req, environ, request_time) -> None:
        if not as_json():
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "request_id": atoms.get("{x-request-id}o", "-"),
            "remote": atoms.get("h"),
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "query": atoms.get("q") or None,
            "status": atoms.get("s"),
            "bytes": atoms.get("B"),
            "ms": atoms.get("M"),
            "user_agent": atoms.get("a"),
        }
        self.access_log.info(json.dumps(line, ensure_ascii=False, default=str))
