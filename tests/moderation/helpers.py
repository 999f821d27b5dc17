"""What the moderation tests share: comments that keep the tallies, and the
check that every kept count equals a recount."""

from __future__ import annotations

from sqlalchemy import func, select, text

from cms.database import write_transaction
from cms.events import CommentMove, CommentsChanged, emit
from cms.extensions import db
from cms.models import Article, Comment, CommentStatus, utcnow
from cms.services.tallies import comment_tallies, recount_tallies
from tests.factories import make_comment


def add_comment(article: Article, status: str = "pending", **overrides) -> Comment:
    """make_comment (which keeps the article count and the status tallies, as
    the services do). Call inside an app context."""
    return make_comment(article, status=status, **overrides)


def add_comments(article: Article, count: int, status: str = "pending", **overrides):
    """`count` comments at once (one transaction), tallies kept."""
    values = {"author_name": "读者", "author_email": "reader@example.cn",
              "ip": "203.0.113.7", "created_at": utcnow()} | overrides  # fmt: skip
    comments = [
        Comment(
            article_id=article.id,
            body=f"批量评论 {i}",
            status=CommentStatus(status),
            **values,
        )
        for i in range(count)
    ]
    with write_transaction():
        db.session.add_all(comments)
        db.session.flush()
        moves = [CommentMove(c.id, article.id, None, status) for c in comments]
        emit(CommentsChanged.of_moves(moves))
    return comments


def statuses(*ids: int) -> list[str | None]:
    """The stored status of each id (None when the row is gone)."""
    db.session.expire_all()
    found = dict(
        db.session.execute(
            select(Comment.id, Comment.status).where(Comment.id.in_(ids))
        ).all()
    )
    return [found[i].value if i in found else None for i in ids]


def assert_counts_exact() -> dict[str, int]:
    """Kept tallies == recount == SQL GROUP BY; every article's comment_count ==
    its approved comments. Returns the tallies by status name."""
    db.session.expire_all()
    kept = comment_tallies()
    assert kept == recount_tallies()
    rows = db.session.execute(
        text("SELECT status, COUNT(*) FROM comments GROUP BY status")
    ).all()
    by_sql = {status.value: 0 for status in CommentStatus} | dict(rows)
    assert {s.value: n for s, n in kept.items()} == by_sql
    approved = (
        select(func.count(Comment.id))
        .where(Comment.article_id == Article.id,
               Comment.status == CommentStatus.APPROVED)
        .scalar_subquery()
    )  # fmt: skip
    wrong = db.session.execute(
        select(Article.id, Article.comment_count, approved).where(
            Article.comment_count != approved
        )
    ).all()
    assert wrong == []
    return by_sql


def _controls(soup, form) -> list:
    """The form's controls as a browser finds them: inside it (unless they
    name another form) and anywhere else with form="<its id>"."""
    inside = [
        element
        for element in form.select("input, select, textarea, button")
        if element.get("form") in (None, form.get("id"))
    ]
    outside = soup.select(f'[form="{form["id"]}"]') if form.get("id") else []
    return inside + [e for e in outside if e not in inside]


def browser_submit(client, soup, button, path: str):
    """Click `button` on the page `soup` (served at `path`) as a browser
    would: its form (the `form` attribute or the enclosing one), every
    successful control of it, and the button's own name and value."""
    from urllib.parse import urljoin

    from werkzeug.datastructures import MultiDict

    form = soup.find(id=button["form"]) if button.get("form") else None
    form = form or button.find_parent("form")
    data = MultiDict()
    for element in _controls(soup, form):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        kind = element.get("type", "submit" if element.name == "button" else "text")
        if element.name == "button" or kind == "submit":
            continue  # only the clicked button is sent
        if element.name == "select":
            chosen = element.select_one("option[selected]") or element.select_one(
                "option"
            )
            data.add(name, chosen.get("value", chosen.get_text()))
        elif element.name == "textarea":
            data.add(name, element.get_text().replace("\r\n", "\n").removeprefix("\n"))
        elif kind in ("checkbox", "radio"):
            if element.has_attr("checked"):
                data.add(name, element.get("value", "on"))
        else:
            data.add(name, element.get("value", ""))
    if button.get("name"):
        data.add(button["name"], button.get("value", ""))
    action = button.get("formaction") or form.get("action") or path
    assert (button.get("formmethod") or form.get("method", "get")).lower() == "post"
    return client.post(urljoin(path, action), data=data)
