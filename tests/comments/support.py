"""What the comment tests share: posting the rendered form as a browser
would, parsing pages, and reading the database behind the services' back."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, Comment, CommentStatus
from cms.services.form_tokens import _SALT
from tests.conftest import PASSWORD

SITE_ORIGIN = "http://cms.test"  # TestingConfig's SITE_URL


def parse(response) -> BeautifulSoup:
    """The response body as a parsed HTML document."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def article_path(public_id: str) -> str:
    return f"/{public_id}.html"


def textarea_value(element) -> str:
    """A textarea's value as a browser reads it (one leading newline dropped)."""
    text = element.get_text()
    if text.startswith("\r\n"):
        return text[2:]
    return text[1:] if text.startswith("\n") else text


def form_inputs(form) -> dict[str, str]:
    """Every input a browser would send for `form` (unchecked boxes left out)."""
    data: dict[str, str] = {}
    for element in form.select("input[name], textarea[name]"):
        if element.name == "textarea":
            data[element["name"]] = textarea_value(element)
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                data[element["name"]] = element.get("value", "on")
        else:
            data[element["name"]] = element.get("value", "")
    return data


def read_form(client, public_id: str, query: str = "") -> tuple[str, dict[str, str]]:
    """GET the article page; the comment form's action and its inputs."""
    response = client.get(article_path(public_id) + query)
    assert response.status_code == 200
    form = parse(response).select_one("form#comment-form")
    assert form is not None, "the article page has no comment form"
    return form["action"], form_inputs(form)


def post_comment(
    client,
    public_id: str,
    *,
    origin: str | None = SITE_ORIGIN,
    query: str = "",
    ip: str | None = None,
    headers: dict[str, str] | None = None,
    **fields: str,
):
    """Fill the rendered form with `fields` (every other input as rendered)
    and post it to its action, from `ip` when given."""
    action, data = read_form(client, public_id, query)
    # The fragment brings a rejected comment's answer back to the form.
    assert action == f"/comments/{public_id}#comment-form-answer"
    data.update(fields)
    all_headers = dict(headers or {})
    if origin is not None:
        all_headers["Origin"] = origin
    environ = {"REMOTE_ADDR": ip} if ip else {}
    return client.post(action, data=data, headers=all_headers, environ_base=environ)


def log_in(client, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form (its CSRF token included)."""
    form = parse(client.get("/auth/login")).select_one("form[method=post]")
    data = form_inputs(form) | {"username": username, "password": password}
    response = client.post("/auth/login", data=data)
    assert response.status_code == 303


def reader(n: int = 1, **overrides: str) -> dict[str, str]:
    """A reader's valid form fields."""
    return {"author": f"读者{n}", "email": f"reader{n}@example.cn",
            "body": f"写得很好，第 {n} 次来看。"} | overrides  # fmt: skip


def comment_id_from(response, public_id: str) -> int:
    """The comment id named by a 303 answer's Location (which must point at the
    article's page)."""
    assert response.status_code == 303, response.status_code
    location = urlsplit(response.headers["Location"])
    assert location.path == article_path(public_id)
    assert location.fragment.startswith("comment-")
    return int(location.fragment.removeprefix("comment-"))


def craft_token(public_id: str, age_seconds: float, key: str | None = None) -> str:
    """A comment-form token as issue_comment_token makes it, but signed
    `age_seconds` ago (call inside an app context)."""
    signed_at = int(time.time() - age_seconds)

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return signed_at

    serializer = URLSafeTimedSerializer(
        key or current_app.config["SECRET_KEY"], salt=_SALT, signer=PastSigner
    )
    return serializer.dumps({"a": public_id})


def rows(article_id: int | None = None) -> list[Comment]:
    """Stored comments (of one article), oldest first, read afresh."""
    db.session.expire_all()
    query = select(Comment).order_by(Comment.id)
    if article_id is not None:
        query = query.where(Comment.article_id == article_id)
    return list(db.session.scalars(query))


def approved_in_db(article_id: int) -> int:
    """Approved comments of an article, counted by SQL."""
    return db.session.scalar(
        select(func.count(Comment.id)).where(
            Comment.article_id == article_id, Comment.status == CommentStatus.APPROVED
        )
    )


def stored_count(article_id: int) -> int:
    """The article's comment_count column, read by SQL (no ORM identity map)."""
    return db.session.scalar(
        select(Article.comment_count).where(Article.id == article_id)
    )


def comment_items(soup: BeautifulSoup) -> list:
    """Every comment element of the #comments section, in document order."""
    return soup.select("#comments li[id^=comment-]")
