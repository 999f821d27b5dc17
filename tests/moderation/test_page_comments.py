"""Moderating a comment on a standalone page: the queue and the commenter
page name the page and link to it, every action (and its undo) works on
it, and the kept counts stay equal to a recount."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import AuditEntry, Comment, Page, Role
from cms.services.page_edits import PageInput
from cms.services.pages import create_page
from cms.services.threads import approved_count
from tests.factories import make_user
from tests.moderation.helpers import add_comment, assert_counts_exact, statuses


@pytest.fixture
def board(app):
    """A published 留言板 open for comments."""
    with app.app_context():
        boss = make_user("boss", Role.ADMIN, password=None)
        return create_page(
            PageInput("留言板", "欢迎留言。", "guestbook", allow_comments=True),
            boss, publish=True,
        )  # fmt: skip


def page_row(app) -> Page:
    return db.session.scalar(select(Page).where(Page.slug == "guestbook"))


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_queue_names_the_page_and_links_to_it(app, staff, board, article):
    with app.app_context():
        held = add_comment(page_row(app), body="留言板上的留言").id
        add_comment(article, body="文章下的评论")
        shown = add_comment(page_row(app), status="approved").id

    queue = soup_of(staff.get("/moderation/comments?status=pending"))
    row = queue.select_one(f"#row-{held}")
    link = row.select_one(".row-article a")
    assert link["href"] == "/page/guestbook/"
    assert link.get_text() == "《留言板》"
    assert "页面" in row.select_one(".row-article").get_text()
    # An approved one links to itself on the page.
    approved = soup_of(staff.get("/moderation/comments?status=approved"))
    assert (
        approved.select_one(f"#row-{shown} .row-article a")["href"]
        == f"/page/guestbook/#comment-{shown}"
    )
    commenter = soup_of(staff.get("/moderation/commenters?email=reader@example.cn"))
    assert "《留言板》" in commenter.get_text()
    edit = soup_of(staff.get(f"/moderation/comments/{held}/edit"))
    assert edit.select_one(".edit-meta a")["href"] == "/page/guestbook/"


AFTER = {
    "approve": "approved",
    "unapprove": "pending",
    "spam": "spam",
    "trash": "trash",
}


@pytest.mark.parametrize("action", list(AFTER))
def test_each_action_and_its_undo_on_a_page_comment(app, staff, board, action):
    with app.app_context():
        pending = add_comment(page_row(app)).id
        approved = add_comment(page_row(app), status="approved").id
        assert_counts_exact()

    response = staff.post(
        "/moderation/comments?status=pending",
        data={"ids": [pending, approved], "action": action},
    )

    assert response.status_code == 303
    with app.app_context():
        assert statuses(pending, approved) == [AFTER[action]] * 2
        assert_counts_exact()
        expected = 2 if action == "approve" else 0
        assert approved_count(page_row(app)) == expected
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == action))

    staff.post("/moderation/comments/undo", data={"entry_id": entry.id})

    with app.app_context():
        assert statuses(pending, approved) == ["pending", "approved"]
        assert_counts_exact()


def test_delete_for_good_and_undo_bring_the_page_comment_back(app, staff, board):
    with app.app_context():
        parent = add_comment(page_row(app), status="approved")
        reply = add_comment(page_row(app), status="approved", parent=parent).id
        parent_id = parent.id
    staff.post("/moderation/comments", data={"ids": [parent_id], "action": "trash"})

    staff.post(
        "/moderation/comments?status=trash",
        data={"ids": [parent_id], "action": "delete"},
    )

    with app.app_context():
        assert statuses(parent_id, reply) == [None, "approved"]
        assert_counts_exact()
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "delete")
        )
    staff.post("/moderation/comments/undo", data={"entry_id": entry.id})
    with app.app_context():
        back = db.session.get(Comment, parent_id)
        assert back.page_id == page_row(app).id and back.article_id is None
        assert db.session.get(Comment, reply).parent_id == parent_id
        assert_counts_exact()


def test_reply_edit_and_pin_work_on_a_page_comment(app, staff, board, client):
    with app.app_context():
        held = add_comment(page_row(app), body="请问怎么联系站长？").id

    assert (
        staff.post(
            f"/moderation/comments/{held}/reply", data={"body": "发邮件即可。"}
        ).status_code
        == 303
    )
    assert (
        staff.post(
            f"/moderation/comments/{held}/edit",
            data={"body": "请问怎么联系站长呢？", "reason": "", "next": ""},
        ).status_code
        == 303
    )
    assert (
        staff.post(f"/moderation/comments/{held}/pin", data={"pinned": "1"}).status_code
        == 303
    )

    with app.app_context():
        reply = db.session.scalar(select(Comment).where(Comment.parent_id == held))
        assert reply.page_id == page_row(app).id and reply.article_id is None
        assert statuses(held, reply.id) == ["approved", "approved"]
        comment = db.session.get(Comment, held)
        assert comment.body == "请问怎么联系站长呢？" and comment.pinned_at is not None
        assert_counts_exact()
        reply_id = reply.id
    shown = soup_of(app.test_client().get("/page/guestbook/"))
    assert shown.select_one("#comments")["data-count"] == "2"
    parent = shown.select_one(f"#comment-{held}")
    assert "comment-pinned" in parent["class"]
    assert "发邮件即可" in parent.select_one(f"#comment-{reply_id}").get_text()
