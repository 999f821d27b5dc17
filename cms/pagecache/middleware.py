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
from email.utils import formatdate
from typing import Any

from flask import Flask

from cms.pagecache import fragments
from cms.pagecache.backends import Backend, Entry
from cms.pagecache.counting import HitCounter
from cms.pagecache.counts import Cut, cut, filled
from cms.pagecache.marks import (
    ELIGIBLE,
    INTERNAL_HEADERS,
    TAGS_HEADER,
    TTL_HEADER,
    VIEW_HEADER,
)
from cms.pagecache.store import PageStore
from cms.pagecache.wsgi_rules import (
    bypass_cookies,
    counted_etag,
    has_cookie,
    not_modified,
    plain_policy,
    request_id,
)

log = logging.getLogger(__name__)

# Paths never cached: looked at before anything else (no lookup at all).
SKIPPED_PREFIXES = (
    "/static/", "/media/", "/tip/", "/moderation/", "/auth/", "/comments/",
    "/moderation-mail/", "/healthz", "/search", "/_view/",
)  # fmt: skip
BEACON = re.compile(r"^/_view/([0-9A-Za-z]{16})$")
# Not stored: per answer (the date, the request id, the cache's own verdict).
DROPPED_HEADERS = {
    "date", "set-cookie", "content-length", "x-cache", "x-request-id",
    "etag", "last-modified", *map(str.lower, INTERNAL_HEADERS),
}  # fmt: skip

StartResponse = Callable[..., Any]


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
        self.counter = HitCounter(app)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse):
        path = environ.get("PATH_INFO", "") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "POST" and path.startswith("/_view/"):
            return self._beacon(path, environ, start_response)
        if (
            method not in ("GET", "HEAD")
            or path.startswith(SKIPPED_PREFIXES)
            or has_cookie(environ.get("HTTP_COOKIE", ""), self.bypass)
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
        ticket = found.ticket
        if found.entry is not None:
            if not found.entry.sidebar:
                return self._hit(found.entry, None, environ, start_response)
            sidebar = self.backend.lookup(fragments.KEY, time.time())
            if sidebar.entry is not None:
                return self._hit(found.entry, sidebar.entry, environ, start_response)
            ticket = sidebar.ticket  # the sidebar changed: render the page again
        environ[ELIGIBLE] = True
        return self._miss(key, ticket, environ, start_response)

    # -- hits -------------------------------------------------------------

    def _hit(self, entry: Entry, sidebar: Entry | None, environ, start_response):
        etag = entry.etag
        fragment = shown = token = None
        if sidebar is not None:
            fragment = sidebar.body
            etag = f'{etag[:-1]}-{sidebar.etag}"'
        if entry.view:
            shown, token = self._count(
                entry.view, environ.get("HTTP_USER_AGENT"), entry.token
            )
            if entry.views >= 0:  # this moment's count and token, filled in
                shown = entry.views if shown is None else shown
                etag = counted_etag(etag, shown)
            else:
                shown = token = None
        body = filled(entry, fragment, shown, token)
        validators = [
            ("ETag", etag),
            ("Last-Modified", formatdate(entry.stored_at, usegmt=True)),
            ("X-Cache", "HIT"),
            ("X-Request-ID", request_id(environ)),
        ]
        if not_modified(environ, etag, entry):
            start_response("304 Not Modified", validators)
            return [b""]
        headers = entry.headers + validators
        headers.append(("Content-Length", str(len(body))))
        start_response(entry.status, headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _count(
        self, public_id: str, user_agent: str | None, with_token: bool = False
    ) -> tuple[int | None, str | None]:
        """Count a view of the article; the count to show, and a form token
        issued now when `with_token` (None for what failed)."""
        shown = token = None
        try:
            shown = self.counter.count_view(public_id, user_agent)
            if with_token:
                token = self.counter.fresh_token(public_id)
        except Exception:
            log.exception("view of %s not counted", public_id)
        return shown, token

    # -- misses -----------------------------------------------------------

    def _miss(self, key, ticket, environ, start_response):
        captured: dict[str, Any] = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            tagged = any(name == TAGS_HEADER for name, _ in headers)
            if not tagged or environ["REQUEST_METHOD"] != "GET":  # HEAD: as is
                clean = [(n, v) for n, v in headers if n not in INTERNAL_HEADERS]
                return start_response(status, clean, exc_info)
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
        view = internal.get(VIEW_HEADER, "")
        parts = cut(body) if view else Cut(body, None, False)
        template, sidebar = fragments.split(parts.template)
        tags = frozenset(internal.get(TAGS_HEADER, "").split())
        digest = hashlib.blake2b(template, digest_size=12).hexdigest()
        entry = Entry(
            status=status,
            headers=headers,
            body=template,
            etag=f'"{digest}"',
            stored_at=now,
            expires_at=now + int(internal.get(TTL_HEADER, "60")),
            tags=tags - {fragments.TAG} if sidebar is not None else tags,
            view=view,
            views=-1 if parts.views is None else parts.views,
            token=parts.token and parts.views is not None,
            sidebar=sidebar is not None,
        )
        etag = entry.etag
        if sidebar is not None:
            etag = f'{etag[:-1]}-{fragments.version(sidebar)}"'
        if entry.views >= 0:
            etag = counted_etag(etag, entry.views)
        try:
            stored = sidebar is None or self.backend.store(
                fragments.KEY, _fragment_entry(sidebar, entry), ticket
            )
            stored = stored and self.backend.store(key, entry, ticket)
        except Exception:
            stored = False
            log.exception("page cache store failed")
        if stored and self.store is not None and plain_policy(headers, key):
            self._write_file(environ, entry, body, ticket)
        out = [
            (n, v)
            for n, v in raw
            if n not in INTERNAL_HEADERS and n.lower() not in ("content-length", "etag")
        ]
        out.append(("Content-Length", str(len(body))))
        if stored:
            validators = [
                ("ETag", etag),
                ("Last-Modified", formatdate(now, usegmt=True)),
            ]
            if not_modified(environ, etag, entry):  # re-rendered the same
                start_response("304 Not Modified", [*validators, ("X-Cache", "MISS")])
                return [b""]
            out += validators
        start_response(status, out)
        return [body]

    def _write_file(self, environ, entry: Entry, body: bytes, ticket) -> None:
        """Write the page as rendered (nginx cannot fill in a count: the file
        is retired once its count is older than allowed, see `_beacon`), its
        tag index first; then look again: a drop that ran meanwhile may have
        missed it, so the file goes (a drop after this look finds it through
        the index)."""
        assert self.store is not None
        try:
            path = environ["PATH_INFO"].encode("latin-1").decode("utf-8")
            # The file holds its sidebar: it goes when the sidebar changes.
            tags = entry.tags | {fragments.TAG} if entry.sidebar else entry.tags
            if not self.store.write(path, body, tags, entry.view):
                return
            if self.backend.ticket_now() != ticket:
                self.store.remove(path)
        except Exception:
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


def _fragment_entry(fragment: bytes, page: Entry) -> Entry:
    """The sidebar as an entry of its own (tag `sidebar`), living as long as
    the page it was cut from."""
    return Entry(
        status="200 OK",
        headers=[],
        body=fragment,
        etag=fragments.version(fragment),  # named in the pages' ETags
        tags=frozenset({fragments.TAG}),
        stored_at=page.stored_at,
        expires_at=page.expires_at,
    )
