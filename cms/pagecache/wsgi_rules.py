"""The HTTP details of the page cache's WSGI layer: which cookies bypass it,
conditional requests, request ids, and which pages nginx may serve."""

from __future__ import annotations

import re
import uuid
from email.utils import parsedate_to_datetime

from flask import Flask

from cms.pagecache.backends import Entry

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def bypass_cookies(app: Flask) -> frozenset[str]:
    """The cookies whose presence makes a page personal."""
    return frozenset(
        {
            app.config.get("SESSION_COOKIE_NAME", "session"),
            app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
            "cms_held",
            "cms_commenter",
        }
    )


def has_cookie(header: str, names: frozenset[str]) -> bool:
    if not header:
        return False
    for part in header.split(";"):
        name = part.split("=", 1)[0].strip()
        if name in names:
            return True
    return False


def request_id(environ) -> str:
    """The id the proxy sent (when it looks like one) or a new one, as
    cms.logs gives every answer Flask makes."""
    sent = environ.get("HTTP_X_REQUEST_ID", "")
    return sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


def plain_policy(headers: list[tuple[str, str]], key: str) -> bool:
    """A page nginx may serve from a file: no query string, and a policy
    naming no other host (nginx's copy of the policy names none; a page with
    analytics stays with the app)."""
    policy = next((v for n, v in headers if n == "Content-Security-Policy"), "")
    return "?" not in key and "https:" not in policy.replace(
        "img-src 'self' data: https:", ""
    )


def counted_etag(etag: str, count: int) -> str:
    """The ETag of a page with `count` filled in: a new count, a new tag."""
    return f'{etag[:-1]}-{count}"'


def not_modified(environ, etag: str, entry: Entry) -> bool:
    """A 304 is due: the client holds `etag` (the entry's, or with its count
    filled in), or a copy at least as new as the entry when the entry has no
    count that changes between stores."""
    tags = environ.get("HTTP_IF_NONE_MATCH")
    if tags is not None:
        offered = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return etag in offered or "*" in offered
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since and entry.views < 0:
        try:
            return parsedate_to_datetime(since).timestamp() >= int(entry.stored_at)
        except (TypeError, ValueError):
            return False
    return False
