"""Comments on a standalone page (a 留言板): the same section, hooks and
answers as an article's (INTERFACE.md), through the same services."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import Comment, CommentStatus, Page, Role, User
from cms.services.form_tokens import issue_comment_token
from cms.services.notify import held_mail
from cms.services.page_edits import PageInput
from cms.services.pages import create_page, delete_page, trash_page
from cms.services.reply_notices import reply_mail
from cms.services.tallies import comment_tallies, recount_tallies
from cms.services.wordrule_store import add_rule
from cms.text.wordfilter import Action, Kind, Rule
from tests.comments.support import (
    SITE_ORIGIN,
    comment_items,
    form_inputs,
    parse,
    reader,
    rows,
)
from tests.factories import make_comment, make_user


@pytest.fixture
def board(app, article):
    """A published 留言板 page open for comments (the `article` fixture sets
    the timing rules out of the way; its article shows the two side by side)."""
    with app.app_context():
        boss = make_user("boss", Role.ADMIN, password=None)
        page = create_page(
            PageInput("留言板", "欢迎留言。", "guestbook", allow_comments=True),
            boss, publish=True,
        )  # fmt: skip
        return page


def page_path(page: Page) -> str:
    return f"/page/{page.slug}/"


def post_on_page(client, page: Page, query: str = "", **fields: str):
    """Fill the page's rendered comment form with `fields` and post it."""
    response = client.get(page_path(page) + query)
    assert response.status_code == 200
    form = parse(response).select_one("form#comment-form")
    assert form is not None, "the page has no comment form"
    assert form["action"] == f"/comments/page/{page.slug}/#comment-form-answer"
    data = form_inputs(form) | fields
    return client.post(form["action"], data=data, headers={"Origin": SITE_ORIGIN})


def comment_id_on(response, page: Page) -> int:
    """The comment named by a 303 answer, which must point at the page."""
    assert response.status_code == 303, response.status_code
    location = urlsplit(response.headers["Location"])
    assert location.path == page_path(page)
    assert location.fragment.startswith("comment-")
    return int(location.fragment.removeprefix("comment-"))


def on_page(page_id: int) -> list[Comment]:
    return [c for c in rows() if c.page_id == page_id]


def test_an_open_page_shows_the_article_comment_section_empty(app, client, board):
    page = parse(client.get(page_path(board)))

    section = page.select_one("#comments")
    assert section["data-count"] == "0"
    assert "暂无评论" in section.get_text()
    form = page.select_one("form#comment-form")
    names = {e["name"] for e in form.select("input[name], textarea[name]")}
    assert {"author", "email", "url", "body", "parent_id", "csrf_token"} <= names


def test_accepted_visible_comment_redirects_to_it_on_the_page(
    app, client, board, settings
):
    settings(comments__hold_first="false")

    response = post_on_page(client, board, **reader(1))

    comment_id = comment_id_on(response, board)
    with app.app_context():
        (row,) = rows()
        assert (row.id, row.page_id, row.article_id) == (comment_id, board.id, None)
        assert row.status == CommentStatus.APPROVED
        assert comment_tallies() == recount_tallies()
    page = parse(app.test_client().get(page_path(board)))
    item = page.select_one(f"#comments li#comment-{comment_id}")
    assert reader(1)["body"] in item.get_text()
    assert "待审核" not in item.get_text()
    assert item["data-floor"] == "1"
    assert page.select_one("#comments")["data-count"] == "1"


def test_accepted_held_comment_is_shown_to_its_author_only(app, client, board):
    response = post_on_page(client, board, **reader(1))  # hold_first

    comment_id = comment_id_on(response, board)
    with app.app_context():
        (row,) = rows()
        assert row.status == CommentStatus.PENDING and row.page_id == board.id
    own = parse(client.get(page_path(board)))  # the author's cookie
    item = own.select_one(f"#comments li#comment-{comment_id}")
    assert "待审核" in item.get_text()
    assert own.select_one("#comments")["data-count"] == "0"
    other = parse(app.test_client().get(page_path(board)))
    assert other.select_one(f"#comment-{comment_id}") is None
    assert "暂无评论" in other.select_one("#comments").get_text()


def test_invalid_forged_refused_duplicate_and_flood_answer_as_on_articles(
    app, client, board, settings
):
    settings(comments__hold_first="false")
    invalid = post_on_page(client, board, **reader(email="bad", body="x"))
    assert invalid.status_code == 400
    assert parse(invalid).select("form#comment-form .field-error")

    forged = post_on_page(client, board, **reader(csrf_token="forged"))
    assert forged.status_code == 400
    # A token of an article's form is not one of this page's.
    with app.app_context():
        foreign = issue_comment_token("AAAAAAAAAAAAAAAA")
    assert post_on_page(client, board, **reader(csrf_token=foreign)).status_code == 400

    with app.app_context():
        add_rule(Rule("网赌", Action.REJECT, "", frozenset({"comments"}), Kind.WORD),
                 None)  # fmt: skip
    body = "推荐一个网赌平台"
    refused = post_on_page(client, board, **reader(body=body))
    assert refused.status_code == 400
    assert parse(refused).select_one("textarea[name=body]").get_text() == body

    comment_id_on(post_on_page(client, board, **reader(1)), board)
    duplicate = post_on_page(client, board, **reader(1))
    assert duplicate.status_code == 409

    settings(comments__flood_seconds="60")
    comment_id_on(post_on_page(client, board, **reader(2)), board)
    flood = post_on_page(client, board, **reader(3))
    assert flood.status_code == 429 and int(flood.headers["Retry-After"]) > 0
    with app.app_context():
        assert len(on_page(board.id)) == 2


def test_replies_nest_and_count_on_the_page(app, client, board, settings):
    settings(comments__hold_first="false")
    first = comment_id_on(post_on_page(client, board, **reader(1)), board)
    reply = comment_id_on(
        post_on_page(client, board, query=f"?replytocom={first}", **reader(2)), board
    )

    page = parse(client.get(page_path(board)))
    assert page.select_one("#comments")["data-count"] == "2"
    parent = page.select_one(f"#comments li#comment-{first}")
    assert parent.select_one(f"li#comment-{reply}") is not None
    assert [li["id"] for li in comment_items(page)] == [
        f"comment-{first}",
        f"comment-{reply}",
    ]
    link = parent.select_one("a.reply-link")["href"]
    assert link.startswith(f"/page/{board.slug}/?replytocom={first}")
    with app.app_context():
        stored = db.session.get(Comment, reply)
        assert stored.parent_id == first and stored.page_id == board.id


def test_a_reply_naming_an_article_comment_becomes_top_level(
    app, client, board, article, settings
):
    settings(comments__hold_first="false")
    with app.app_context():
        elsewhere = make_comment(article).id

    reply = comment_id_on(
        post_on_page(client, board, **reader(1, parent_id=str(elsewhere))), board
    )

    with app.app_context():
        assert db.session.get(Comment, reply).parent_id is None


@pytest.mark.parametrize("state", ["closed", "draft"])
def test_a_closed_or_unpublished_page_refuses_comments(app, client, article, state):
    with app.app_context():
        boss = make_user("boss", Role.ADMIN, password=None)
        page = create_page(
            PageInput("关于我们", "正文", "about", allow_comments=state != "closed"),
            boss, publish=state != "draft",
        )  # fmt: skip
        token = issue_comment_token(f"page-{page.id}")

    response = client.post(
        "/comments/page/about/",
        data={"csrf_token": token, "parent_id": ""} | reader(),
        headers={"Origin": SITE_ORIGIN},
    )

    assert response.status_code == (403 if state == "closed" else 404)
    with app.app_context():
        assert rows() == []
    if state == "closed":  # a page closed without comments shows no section
        shown = parse(client.get("/page/about/"))
        assert shown.select_one("#comments") is None
        assert shown.select_one("form#comment-form") is None


def test_a_closed_page_keeps_showing_its_comments(app, client, board):
    with app.app_context():
        kept = make_comment(db.session.get(Page, board.id), body="以前的留言").id
        page = db.session.get(Page, board.id)
        page.allow_comments = False
        db.session.commit()

    shown = parse(client.get(page_path(board)))

    assert shown.select_one(f"#comment-{kept}") is not None
    assert shown.select_one("#comments")["data-count"] == "1"
    assert shown.select_one("form#comment-form") is None
    assert "本页面的评论已关闭" in shown.select_one("#respond").get_text()


def test_deleting_a_page_deletes_its_comments_and_the_tallies_follow(
    app, client, board, settings
):
    settings(comments__hold_first="false")
    comment_id_on(post_on_page(client, board, **reader(1)), board)
    comment_id_on(post_on_page(client, board, **reader(2)), board)
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.username == "boss"))
        trash_page(board.id, boss)
        delete_page(board.id, boss)
        assert db.session.scalars(select(Comment.id)).all() == []
        assert comment_tallies() == recount_tallies()
        assert comment_tallies()[CommentStatus.APPROVED] == 0


def test_mails_about_a_page_comment_name_and_link_the_page(app, board):
    """The held-comment mail and the reply notice name the page and link to
    it; a page's thread has no unsubscribe link of its own (the one for
    every notice stays)."""
    with app.app_context():
        page = db.session.get(Page, board.id)
        boss = db.session.scalar(select(User).where(User.username == "boss"))
        parent = make_comment(page, status="pending", notify_replies=True)
        held = held_mail(parent, boss)
        assert "《留言板》" in held.subject and "http://cms.test/page/guestbook/" in (
            held.text
        )
        reply = make_comment(
            page, status="approved", parent=parent, author_email="b@example.cn"
        )
        notice = reply_mail(reply, parent)
        assert f"http://cms.test/page/guestbook/#comment-{reply.id}" in notice.text
        assert "不再接收《留言板》" not in notice.text
        assert "不再接收我的网站的任何回复提醒" in notice.text
