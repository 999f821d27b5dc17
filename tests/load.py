"""Load that tests and security checks put on a real server: a minimal HTTP
client (`Browser`), readers posting comments from threads
(`post_comments`), and the audit of what got stored (`count_mismatches`,
`stored_bodies`)."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, Comment, CommentStatus
from cms.services.tallies import comment_tallies, recount_tallies
from tests.comments.support import form_inputs


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


@dataclass(frozen=True)
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
