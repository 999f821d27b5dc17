"""Held comments: shown to their author only (signed cookie), marked 待审核,
never counted; shown to everyone once approved."""

from __future__ import annotations

from cms.models import CommentStatus
from cms.public.comment_cookies import HELD_COOKIE, HELD_KEEP
from cms.services.moderation import set_status
from tests.comments.support import (
    article_path,
    comment_id_from,
    parse,
    post_comment,
    reader,
    rows,
)
from tests.factories import make_comment


def _item(client, article, comment_id):
    page = parse(client.get(article_path(article.public_id)))
    return page, page.select_one(f"#comments li#comment-{comment_id}")


def test_held_reply_is_shown_nested_to_its_author(app, client, article):
    with app.app_context():
        parent = make_comment(article)

    response = post_comment(
        client, article.public_id, parent_id=str(parent.id), **reader()
    )

    reply_id = comment_id_from(response, article.public_id)
    page, item = _item(client, article, reply_id)
    assert item is not None
    assert item.find_parent("li")["id"] == f"comment-{parent.id}"
    assert "comment-held" in item["class"]
    assert item.select_one(".held-mark").get_text() == "待审核"
    assert item.select_one("a.reply-link") is None  # no replies to a held one
    assert page.select_one("#comments")["data-count"] == "1"
    _, hidden = _item(app.test_client(), article, reply_id)
    assert hidden is None


def test_approved_comment_is_shown_to_everyone_without_the_mark(app, client, article):
    response = post_comment(client, article.public_id, **reader())
    comment_id = comment_id_from(response, article.public_id)

    with app.app_context():
        set_status([comment_id], CommentStatus.APPROVED, None)

    for viewer in (client, app.test_client()):
        page, item = _item(viewer, article, comment_id)
        assert item is not None
        assert item.select_one(".held-mark") is None
        assert "待审核" not in item.get_text()
        assert page.select_one("#comments")["data-count"] == "1"


def test_a_forged_held_cookie_shows_nothing(app, client, article):
    with app.app_context():
        other = make_comment(article, status="pending")
    client.set_cookie(HELD_COOKIE, f"[{other.id}]")

    _, item = _item(client, article, other.id)

    assert item is None


def test_held_cookie_does_not_reveal_comments_of_others(app, client, article):
    """The cookie names the reader's own comments only."""
    with app.app_context():
        others = make_comment(article, status="pending", body="别人的待审评论")
    mine = comment_id_from(
        post_comment(client, article.public_id, **reader()), article.public_id
    )

    page, item = _item(client, article, mine)

    assert item is not None
    assert page.select_one(f"#comment-{others.id}") is None


def test_the_held_cookie_keeps_the_newest_comments(app, client, article):
    ids = [
        comment_id_from(
            post_comment(client, article.public_id, **reader(n)), article.public_id
        )
        for n in range(HELD_KEEP + 2)
    ]

    page = parse(client.get(article_path(article.public_id)))

    shown = {int(li["id"].split("-")[1]) for li in page.select("#comments li.comment")}
    assert shown == set(ids[-HELD_KEEP:])
    with app.app_context():
        assert len(rows()) == HELD_KEEP + 2
        assert {r.status for r in rows()} == {CommentStatus.PENDING}


def test_held_cookie_is_http_only_and_signed(app, client, article):
    response = post_comment(client, article.public_id, **reader())

    cookie = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith(HELD_COOKIE)
    ]
    assert len(cookie) == 1
    assert "HttpOnly" in cookie[0]
    assert "SameSite=Lax" in cookie[0]
    value = cookie[0].split(";")[0].split("=", 1)[1]
    assert value not in ("[1]", "%5B1%5D")  # not a bare list


def test_visible_comment_sets_no_held_cookie(app, client, article, settings):
    settings(comments__hold_first="false")

    response = post_comment(client, article.public_id, **reader())

    assert response.status_code == 303
    assert not any(
        c.startswith(HELD_COOKIE) for c in response.headers.getlist("Set-Cookie")
    )
