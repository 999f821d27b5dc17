"""Load that tests and security checks put on a real server: a minimal HTTP
client (`Browser`), readers posting comments from threads
(`post_comments`), and the audit of what got stored (`count_mismatches`,
`stored_bodies`)."""

from __future__ import annotations

import dataclasses
import http.client
import itertools
import socket
import threading
import time
from collections import Counter
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, Comment, CommentStatus
from cms.services.tallies import comment_tallies, recount_tallies
from tests.comments.support import form_inputs
from tests.servers import Gunicorn


class Browser:
    """A minimal HTTP client with its own cookies that never follows
    redirects: each answer as (status, headers, body).

    With `spread`, each request is sent while an idle connection keeps one
    worker busy (the one quickest to accept, which would otherwise tend to
    take every request), so a run of requests meets several workers."""

    def __init__(
        self, port: int, forwarded_for: str | None = None, spread: bool = False
    ) -> None:
        self.port = port
        self.forwarded_for = forwarded_for
        self.spread = spread
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        headers: dict | None = None,
    ) -> tuple[int, dict, str]:
        all_headers = dict(headers or {})
        if self.forwarded_for:
            all_headers["X-Forwarded-For"] = self.forwarded_for
        if self.cookies:
            all_headers["Cookie"] = "; ".join(
                f"{k}={v}" for k, v in self.cookies.items()
            )
        body = None
        if form is not None:
            body = urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        idle = None
        if self.spread:
            idle = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            time.sleep(0.02)  # let a worker accept it
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            text = response.read().decode()
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.headers), text
        finally:
            conn.close()
            if idle is not None:
                idle.close()


def form_of(html: str, selector: str) -> dict[str, str]:
    """Every input a browser would send for the form `selector` of a page."""
    form = BeautifulSoup(html, "html.parser").select_one(selector)
    if form is None:
        raise LookupError(f"no {selector} on the page")
    return form_inputs(form)


def log_in(port: int, username: str, password: str) -> Browser:
    """A Browser logged in through the login form (its token included)."""
    browser = Browser(port)
    _, _, html = browser.request("GET", "/auth/login")
    fields = form_of(html, "form[method=post]")
    fields |= {"username": username, "password": password}
    status, _, _ = browser.request("POST", "/auth/login", fields)
    if status != 303:
        raise RuntimeError(f"log-in as {username} failed: {status}")
    return browser


@dataclasses.dataclass(frozen=True)
class Answer:
    """One comment post: its body and the answer (status, Location), or the
    error that kept it from being answered (status 0)."""

    body: str
    status: int
    location: str = ""
    error: str = ""


def reader_fields(number: int, body: str) -> dict[str, str]:
    """What reader `number` types into the comment form."""
    return {
        "author": f"读者{number}",
        "email": f"reader{number}@example.cn",
        "url": "",
        "body": body,
    }


def post_comments(
    port: int,
    origin: str,
    public_id: str,
    readers: int,
    per_reader: int,
    label: str = "负载",
    pause: float = 0.0,
) -> list[Answer]:
    """`readers` threads, each a reader who loads the article once and posts
    `per_reader` comments through its form (the rendered inputs, hidden ones
    included), `pause` seconds apart. Bodies are unique: "<label> r-n"."""
    answers: list[Answer] = []
    lock = threading.Lock()

    def read_and_post(number: int) -> None:
        browser = Browser(port)
        try:
            status, _, html = browser.request("GET", f"/{public_id}.html")
            form = form_of(html, "form#comment-form") if status == 200 else None
        except (OSError, LookupError):
            form, status = None, 0
        for n in range(per_reader):
            body = f"{label} {number}-{n}"
            if form is None:
                with lock:
                    answers.append(Answer(body, status, error=f"no form: {status}"))
                continue
            try:
                status, headers, _ = browser.request(
                    "POST",
                    f"/comments/{public_id}",
                    form | reader_fields(number, body),
                    headers={"Origin": origin},
                )
                answer = Answer(body, status, headers.get("Location", ""))
            except OSError as error:
                answer = Answer(body, 0, error=repr(error))
            with lock:
                answers.append(answer)
            if pause:
                time.sleep(pause)

    threads = [
        threading.Thread(target=read_and_post, args=(n,)) for n in range(readers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


@dataclasses.dataclass(frozen=True)
class Request:
    """One request of the load: when it started and ended (monotonic
    clock), what it was, its answer."""

    started: float
    method: str
    body: str
    status: int
    ended: float = 0.0

    @property
    def ok(self) -> bool:
        """Answered as a working site answers: 200 for a page, 303 for a post."""
        return self.status == (303 if self.method == "POST" else 200)


class Load:
    """`readers` threads that load an article and post a comment through its
    form, again and again, until the `with` block ends; `quiet()` holds them
    between requests. Bodies are unique ("<label> reader-n"). With
    `addresses`, each post comes from an address of its own
    (X-Forwarded-For: the server must trust one proxy), so that the flood
    rule, left on, counts every post and refuses none."""

    def __init__(
        self,
        server: Gunicorn,
        public_id: str,
        readers: int,
        label: str,
        addresses: bool = False,
    ) -> None:
        self.port, self.origin, self.public_id = server.port, server.origin, public_id
        self.label, self.addresses = label, addresses
        self.sent = itertools.count(1)
        self.done: list[Request] = []
        self.stop = threading.Event()
        self.go = threading.Event()
        self.go.set()
        self.busy = 0
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._reader, args=(n,)) for n in range(readers)
        ]

    def _request(self, browser: Browser, method: str, path: str, **kw):
        while True:
            self.go.wait()
            with self.lock:  # quiet() clears `go` under this lock
                if self.go.is_set():
                    self.busy += 1
                    break
        started = time.monotonic()
        try:
            status, _, html = browser.request(method, path, **kw)
        except OSError:
            status, html = 0, ""
        finally:
            with self.lock:
                self.busy -= 1
        return Request(started, method, "", status, time.monotonic()), html

    def _reader(self, number: int) -> None:
        browser = Browser(self.port)
        page = f"/{self.public_id}.html"
        n = 0
        while not self.stop.is_set():
            request, html = self._request(browser, "GET", page)
            self.done.append(request)
            if not request.ok:
                time.sleep(0.05)
                continue
            body = f"{self.label} {number}-{n}"
            n += 1
            if self.addresses:
                sent = next(self.sent)
                browser.forwarded_for = (
                    f"10.{sent // 65536 % 256}.{sent // 256 % 256}.{sent % 256}"
                )
            form = form_of(html, "form#comment-form") | reader_fields(number, body)
            request, _ = self._request(
                browser,
                "POST",
                f"/comments/{self.public_id}",
                form=form,
                headers={"Origin": self.origin},
            )
            self.done.append(dataclasses.replace(request, body=body))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.go.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def accepted(self) -> int:
        """Posts answered 303 so far."""
        return sum(r.method == "POST" and r.ok for r in list(self.done))

    def wait_for_posts(self, count: int, timeout: float = 60.0) -> None:
        """Return once `count` posts were accepted (RuntimeError after
        `timeout` seconds: the load is not running)."""
        deadline = time.monotonic() + timeout
        while self.accepted() < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.accepted()} posts accepted")
            time.sleep(0.05)

    def quiet(self) -> None:
        """Hold the readers and wait for the requests under way to end."""
        with self.lock:
            self.go.clear()
        while self.busy:
            time.sleep(0.01)

    def resume(self) -> None:
        self.go.set()


def stored_bodies(prefix: str) -> Counter[str]:
    """How many stored comments carry each body starting with `prefix` (call
    in an app context; the session's transaction is ended first)."""
    db.session.rollback()
    bodies = db.session.scalars(
        select(Comment.body).where(Comment.body.startswith(prefix))
    )
    return Counter(bodies)


def count_mismatches() -> list[str]:
    """Where a kept count differs from a recount of the rows (call in an app
    context): each status tally, and each article's approved comment count."""
    db.session.rollback()
    problems = []
    kept, counted = comment_tallies(), recount_tallies()
    for status in CommentStatus:
        if kept[status] != counted[status]:
            problems.append(
                f"tally {status.value}: kept {kept[status]}, counted {counted[status]}"
            )
    approved = dict(
        db.session.execute(
            select(Comment.article_id, func.count(Comment.id))
            .where(Comment.status == CommentStatus.APPROVED)
            .group_by(Comment.article_id)
        ).all()
    )
    for article_id, count in db.session.execute(
        select(Article.id, Article.comment_count)
    ):
        if count != approved.get(article_id, 0):
            problems.append(
                f"article {article_id}: comment_count {count}, "
                f"approved {approved.get(article_id, 0)}"
            )
    db.session.rollback()
    return problems
