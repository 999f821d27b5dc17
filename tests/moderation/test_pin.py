"""Pinning a comment from the queue: a button on approved top-level rows, a
POST that answers 303 back to the same tab, an audit entry, and the pinned
comment first on the article's page."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import AuditEntry, Comment
from tests.moderation.helpers import add_comment


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_an_editor_pins_and_unpins_from_the_approved_tab(app, staff, article):
    with app.app_context():
        older = add_comment(article, status="approved").id
        newer = add_comment(article, status="approved").id
        reply = add_comment(
            article, status="approved", parent=db.session.get(Comment, older)
        ).id

    queue = _soup(staff.get("/moderation/comments?status=approved"))
    pin_forms = {
        int(form["action"].split("/")[3]): form
        for form in queue.select("form[action*='/pin']")
    }
    assert set(pin_forms) == {older, newer}  # not the reply
    assert reply not in pin_forms
    form = pin_forms[newer]
    assert form.select_one("input[name=pinned]")["value"] == "1"
    assert form.select_one("button").get_text() == "置顶"

    response = staff.post(form["action"], data={"pinned": "1"})

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/comments?status=approved"
    page = _soup(staff.get(f"/{article.public_id}.html"))
    first = page.select_one("ol.comment-list > li.comment")
    assert first["id"] == f"comment-{newer}"
    assert first["data-floor"] == "2"
    queue = _soup(staff.get("/moderation/comments?status=approved"))
    again = queue.select_one(f"form[action^='/moderation/comments/{newer}/pin']")
    assert again.select_one("button").get_text() == "取消置顶"

    assert staff.post(again["action"], data={"pinned": "0"}).status_code == 303
    with app.app_context():
        assert db.session.get(Comment, newer).pinned_at is None
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(["pin", "unpin"]))
            .order_by(AuditEntry.id)
        ).all()  # fmt: skip
        assert [(e.action, e.target_ids) for e in entries] == [
            ("pin", [newer]), ("unpin", [newer])
        ]  # fmt: skip


def test_pinning_a_reply_is_refused(app, staff, article):
    with app.app_context():
        top = add_comment(article, status="approved").id
        reply = add_comment(
            article, status="approved", parent=db.session.get(Comment, top)
        ).id

    response = staff.post(f"/moderation/comments/{reply}/pin", data={"pinned": "1"})

    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Comment, reply).pinned_at is None
