"""Faults and load 2: every form that creates something, sent twice as a
browser sends it (the same rendered form, hidden inputs included), one
after the other and at once, to gunicorn with 4 workers: a reader's comment
(the flood rule on; each reader from an address of its own, one trusted
proxy), and as an editor a new article, a new page, a menu link, a reply to
a comment, a category and a word rule.

FOUND: each form sent twice that stored more than one row, each answer that
is a 5xx, and each form sent twice one after the other whose second answer
differs from the first (a double click must show what was done, not refuse
it as a flood or a duplicate)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, Category, Comment, MenuItem, Page, WordRule
from tests.factories import make_comment
from tests.load import Browser, form_of, log_in, reader_fields
from tests.security.harness import PASSWORD, Site, Tally, check, planted
from tests.security.serving import served

# A reader sends the form at once (the too-fast rule would call it a bot);
# the flood rule stays on.
SETTINGS = {"comments.min_submit_seconds": "0"}
_runs = itertools.count(1)


@dataclass(frozen=True)
class Form:
    """Where a form is, what is typed into it (given a text of its own), and
    the column in which each row it stores has that text."""

    page: str
    selector: str
    action: str
    typed: Callable[[str], dict[str, str]]
    column: Any


def _forms(ref: str, comment: int) -> dict[str, Form]:
    """Every form that creates, on the site's article `ref` and (a reply to)
    the pending comment `comment`."""
    new_post = "/moderation/posts/new"
    return {
        "comment": Form(
            f"/{ref}.html",
            "form#comment-form",
            f"/comments/{ref}",
            lambda text: reader_fields(7, text),
            Comment.body,
        ),
        "article": Form(
            new_post,
            "form#post-form",
            new_post,
            lambda text: {"title": text, "body": "正文", "do": "save"},
            Article.title,
        ),
        "page": Form(
            "/moderation/pages/new",
            "form.page-form",
            "/moderation/pages/new",
            lambda text: {"title": text, "body": "正文", "do": "save"},
            Page.title,
        ),
        "menu link": Form(
            "/moderation/menus",
            "form.menu-add-friends",
            "/moderation/menus",
            lambda text: {"label": text, "url": "https://example.org/"},
            MenuItem.label,
        ),
        "reply": Form(
            "/moderation/comments?status=pending",
            f"form[action^='/moderation/comments/{comment}/reply']",
            f"/moderation/comments/{comment}/reply",
            lambda text: {"body": text},
            Comment.body,
        ),
        "category": Form(
            "/moderation/categories",
            "form.cat-form",
            "/moderation/categories",
            lambda text: {"name": text, "parent": "0"},
            Category.name,
        ),
        "word rule": Form(
            "/moderation/wordrules",
            "form[action='/moderation/wordrules']",
            "/moderation/wordrules",
            lambda text: {
                "phrase": text,
                "kind": "word",
                "action": "flag",
                "scope_comments": "y",
            },
            WordRule.phrase,
        ),
    }


def _pending_comment(app, public_id: str) -> int:
    """A new comment waiting for moderation on the article `public_id`."""
    with app.app_context():
        article = db.session.scalar(
            select(Article).where(Article.public_id == public_id)
        )
        return make_comment(article, body="等着回复的评论", status="pending").id


def _send_twice(browser: Browser, origin: str, form: Form, fields, at_once: bool):
    """The same fields posted twice; the two answers (status, Location)."""
    answers: list[tuple[int, str]] = []
    start = threading.Barrier(2)

    def send() -> None:
        if at_once:
            start.wait(timeout=30)
        status, headers, _ = browser.request(
            "POST", form.action, fields, headers={"Origin": origin}
        )
        answers.append((status, headers.get("Location", "")))

    if not at_once:
        send()
        send()
        return answers
    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@check("double-submit")
def run(site: Site) -> Tally:
    tally = Tally("double-submit")
    with served(site, SETTINGS, TRUSTED_PROXIES="1") as on:
        origin = on.server.origin
        editor = log_in(on.server.port, "editor", PASSWORD)
        names = _forms(site.reference, 0)
        for name, at_once in itertools.product(names, (False, True)):
            mark = next(_runs)
            text = f"两次提交{mark}"
            # A reply approves its comment: each try answers a new one.
            form = _forms(site.reference, _pending_comment(on.app, site.reference))[
                name
            ]
            if name == "comment":  # a reader of its own (the flood rule)
                browser = Browser(on.server.port, forwarded_for=f"10.9.0.{mark}")
            else:
                browser = editor
            _, _, html = browser.request("GET", form.page)
            fields = form_of(html, form.selector) | form.typed(text)
            answers = _send_twice(browser, origin, form, fields, at_once)
            with on.app.app_context():
                stored = db.session.scalar(
                    select(func.count()).where(form.column == text)
                )
                db.session.rollback()
            how = "at once" if at_once else "one after the other"
            tally.attempt(
                stored > 1, f"{name} sent twice {how}: {stored} rows, {answers}"
            )
            for status, _ in answers:
                tally.attempt(status >= 500, f"{name} {how}: answered {status}")
            if not at_once:
                tally.attempt(
                    answers[0] != answers[1], f"{name} {how}: answered {answers}"
                )
    return tally


def no_submission_keys() -> None:
    """In a server process: a form's one-time key is never found, so a form
    sent again creates again (the guard of cms.services.submissions off)."""
    from cms.services import submissions

    submissions.claim = lambda form, sender, key: None
    submissions.earlier = lambda form, sender, key: None


@planted("double-submit")
def _guard_off(site: Site, monkeypatch) -> None:
    monkeypatch.setattr(
        "tests.security.serving.SERVER_FAULT",
        f"{__name__}:{no_submission_keys.__name__}",
    )
