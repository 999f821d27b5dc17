"""The WSGI layer in front of Flask: answers anonymous GET and HEAD requests
from the page cache before Flask's routing, sessions or the database run.

- Bypass (straight to Flask, nothing looked up or stored): any method but GET
  and HEAD; a request carrying a cookie that makes its page personal: the
  session (a logged-in user, or a visitor with a flash message waiting), the
  remember-me cookie, `cms_held` (the reader's held comments) and
  `cms_commenter` (the reader's remembered name). Other cookies (analytics
  vendors' own) neither bypass nor split the cache.
- A hit answers with the stored status, headers and body, `X-Cache: HIT`,
  an ETag and Last-Modified (304 to a matching If-None-Match or
  If-Modified-Since), and counts a view when the page is an article's.
- A miss lets Flask answer; when the view marked the page shareable
  (cms.pagecache.marks), the answer is stored under its tags, and, with
  PAGE_STORE, also written as a file for nginx.
- `POST /_view/<public_id>` is the beacon of pages nginx served from the page
  store: it counts the view and removes the file once its count is older than
  the count's allowed lag, so nginx's next request comes here.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from flask import Flask

from cms.pagecache.backends import Backend, Entry
from cms.pagecache.counting import count_cached_view
from cms.pagecache.marks import (
    ELIGIBLE,
    INTERNAL_HEADERS,
    TAGS_HEADER,
    TTL_HEADER,
    VIEW_HEADER,
)
from cms.pagecache.store import PageStore

log = logging.getLogger(__name__)

# Paths never cached: looked at before anything else (no lookup at all).
SKIPPED_PREFIXES = (
    "/static/", "/media/", "/tip/", "/moderation", "/auth", "/comments",
    "/moderation-mail", "/healthz", "/search", "/_view/",
)  # fmt: skip
BEACON = re.compile(r"^/_view/([0-9A-Za-z]{16})$")
# Not stored: per answer (the date, the request id, the cache's own verdict).
DROPPED_HEADERS = {
    "date", "set-cookie", "content-length", "x-cache", "x-request-id",
    "etag", "last-modified", *map(str.lower, INTERNAL_HEADERS),
}  # fmt: skip

StartResponse = Callable[..., Any]


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


def _has_cookie(header: str, names: frozenset[str]) -> bool:
    if not header:
        return False
    for part in header.split(";"):
        name = part.split("=", 1)[0].strip()
        if name in names:
            return True
    return False


class PageCacheMiddleware:
    """The page cache as WSGI middleware around `app.wsgi_app`."""

    def __init__(
        self, app: Flask, backend: Backend, store: PageStore | None = None
    ) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.backend = backend
        self.store = store
        self.bypass = bypass_cookies(app)
        self.count_seconds = app.config["PAGE_CACHE_COUNT_SECONDS"]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse):
        path = environ.get("PATH_INFO", "") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "POST" and path.startswith("/_view/"):
            return self._beacon(path, environ, start_response)
        if (
            method not in ("GET", "HEAD")
            or path.startswith(SKIPPED_PREFIXES)
            or _has_cookie(environ.get("HTTP_COOKIE", ""), self.bypass)
        ):
            return self.wsgi_app(environ, start_response)
        query = environ.get("QUERY_STRING", "")
        key = f"{path}?{query}" if query else path
        try:
            found = self.backend.lookup(key, time.time())
        except Exception:  # a cache that fails is a cache that misses
            log.exception("page cache lookup failed")
            return self.wsgi_app(environ, start_response)
        if found.ended and self.store is not None:
            self.store.drop_all()  # a scheduled publication's time has come
        if found.entry is not None:
            return self._hit(found.entry, environ, start_response)
        environ[ELIGIBLE] = True
        return self._miss(key, found.ticket, environ, start_response)

    # -- hits -------------------------------------------------------------

    def _hit(self, entry: Entry, environ, start_response):
        if entry.view:
            self._count(entry.view, environ.get("HTTP_USER_AGENT"))
        validators = [
            ("ETag", entry.etag),
            ("Last-Modified", formatdate(entry.stored_at, usegmt=True)),
            ("X-Cache", "HIT"),
        ]
        if _not_modified(environ, entry):
            start_response("304 Not Modified", validators)
            return [b""]
        headers = entry.headers + validators
        headers.append(("Content-Length", str(len(entry.body))))
        start_response(entry.status, headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [entry.body]

    def _count(self, public_id: str, user_agent: str | None) -> None:
        try:
            with self.app.app_context():
                count_cached_view(public_id, user_agent)
        except Exception:
            log.exception("view of %s not counted", public_id)

    # -- misses -----------------------------------------------------------

    def _miss(self, key, ticket, environ, start_response):
        captured: dict[str, Any] = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            if not any(name == TAGS_HEADER for name, _ in headers):
                return start_response(status, headers, exc_info)
            captured["deferred"] = True
            return lambda data: captured.setdefault("written", []).append(data)

        result = self.wsgi_app(environ, capture)
        if not captured.get("deferred"):
            return result
        try:
            body = b"".join([*captured.get("written", []), *result])
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return self._keep(key, ticket, captured, body, environ, start_response)

    def _keep(self, key, ticket, captured, body, environ, start_response):
        status, raw = captured["status"], captured["headers"]
        internal = {n: v for n, v in raw if n in INTERNAL_HEADERS}
        headers = [(n, v) for n, v in raw if n.lower() not in DROPPED_HEADERS]
        now = time.time()
        entry = Entry(
            status=status,
            headers=headers,
            body=body,
            etag='"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"',
            stored_at=now,
            expires_at=now + int(internal.get(TTL_HEADER, "60")),
            tags=frozenset(internal.get(TAGS_HEADER, "").split()),
            view=internal.get(VIEW_HEADER, ""),
        )
        stored = False
        if environ["REQUEST_METHOD"] == "GET":
            try:
                stored = self.backend.store(key, entry, ticket)
            except Exception:
                log.exception("page cache store failed")
        if stored and self.store is not None and "?" not in key:
            self._write_file(environ, entry)
        out = headers + [("Content-Length", str(len(body))), ("X-Cache", "MISS")]
        if stored:
            out += [
                ("ETag", entry.etag),
                ("Last-Modified", formatdate(now, usegmt=True)),
            ]
        start_response(status, out)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _write_file(self, environ, entry: Entry) -> None:
        assert self.store is not None
        try:
            path = environ["PATH_INFO"].encode("latin-1").decode("utf-8")
            self.store.write(path, entry.body, entry.tags, entry.view)
        except (UnicodeError, OSError):
            log.exception("page store write failed")

    # -- the page store's view beacon --------------------------------------

    def _beacon(self, path, environ, start_response):
        match = BEACON.match(path)
        if match is None:
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        public_id = match.group(1)
        self._count(public_id, environ.get("HTTP_USER_AGENT"))
        if self.store is not None:
            page = f"/{public_id}.html"
            age = self.store.age_of(page)
            if age is not None and age >= self.count_seconds:
                self.store.remove(page)
        if self.backend.lookup("", time.time()).ended and self.store is not None:
            self.store.drop_all()
        start_response(
            "204 No Content", [("Cache-Control", "no-store"), ("Content-Length", "0")]
        )
        return [b""]


def _not_modified(environ, entry: Entry) -> bool:
    tags = environ.get("HTTP_IF_NONE_MATCH")
    if tags is not None:
        offered = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return entry.etag in offered or "*" in offered
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since:
        try:
            return parsedate_to_datetime(since).timestamp() >= int(entry.stored_at)
        except (TypeError, ValueError):
            return False
    return False
