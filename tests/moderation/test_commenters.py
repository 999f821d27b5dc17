"""Commenters' data page: every comment of an address, its JSON export (a
download that changes nothing) and its erasure in both modes."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import AuditEntry, Comment
from tests.moderation.helpers import add_comment, assert_counts_exact, statuses

EMAIL = "asker@example.cn"


def seed(app, article, other_article) -> dict[str, int]:
    with app.app_context():
        ids = {
            "approved": add_comment(article, status="approved", author_email=EMAIL,
                                    author_name="提问者", body="第一条评论",
                                    author_url="https://asker.example",
                                    user_agent="Mozilla/5.0").id,
            "pending": add_comment(other_article, author_email=EMAIL,
                                   body="第二条<script>x</script>").id,
            "spam": add_comment(article, status="spam", author_email=EMAIL).id,
            "other": add_comment(article, status="approved",
                                 author_email="someone@example.cn").id,
        }  # fmt: skip
        ids["reply"] = add_comment(
            article, status="approved", author_email="someone@example.cn",
            parent=db.session.get(Comment, ids["approved"]),
        ).id  # fmt: skip
        assert_counts_exact()
        return ids


def test_the_page_lists_every_comment_of_the_address(
    app, staff, article, other_article
):
    seed(app, article, other_article)

    response = staff.get("/moderation/commenters?email=Asker@Example.cn")

    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    items = soup.select(".commenter-list > li")
    assert len(items) == 3
    assert "第二条<script>x</script>" in items[1].select_one(".row-body").get_text()
    assert soup.select_one(".commenter-list script") is None
    assert "已通过 1 条" in soup.select_one(".commenter .meta").get_text()
    export = soup.find("a", string="导出 JSON")
    assert export["href"] == "/moderation/commenters/export?email=asker@example.cn"
    assert soup.select_one("form[action='/moderation/commenters/erase']") is not None


def test_without_an_address_the_page_is_a_search_form(staff):
    response = staff.get("/moderation/commenters")

    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select_one("form[role=search] input[name=email]") is not None
    assert soup.select_one(".commenter") is None


def test_export_is_a_json_download_that_changes_nothing(
    app, staff, article, other_article
):
    ids = seed(app, article, other_article)
    with app.app_context():
        entries = db.session.scalar(select(func.count(AuditEntry.id)))

    response = staff.get(f"/moderation/commenters/export?email={EMAIL}")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="commenter-export.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.get_data(as_text=True))
    assert document["email"] == EMAIL
    assert [c["id"] for c in document["comments"]] == [
        ids["approved"], ids["pending"], ids["spam"]]  # fmt: skip
    first = document["comments"][0]
    assert first["author_url"] == "https://asker.example"
    assert first["user_agent"] == "Mozilla/5.0"
    assert first["status"] == "approved" and first["ip"] == "203.0.113.7"
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id))) == entries
        assert statuses(ids["approved"], ids["pending"]) == ["approved", "pending"]
    assert staff.get("/moderation/commenters/export").status_code == 400


def test_erase_personal_data_keeps_the_text(app, staff, article, other_article):
    ids = seed(app, article, other_article)
    with app.app_context():
        before = assert_counts_exact()

    response = staff.post(
        "/moderation/commenters/erase",
        data={"email": EMAIL, "mode": "personal", "confirm": "y"},
    )

    assert response.status_code == 303
    assert (
        response.headers["Location"] == "/moderation/commenters?email=asker@example.cn"
    )
    with app.app_context():
        mine = [
            db.session.get(Comment, ids[k]) for k in ("approved", "pending", "spam")
        ]
        erased = ("已删除", "", "", None, None)
        for c in mine:
            assert (c.author_name, c.author_email, c.author_url, c.ip,
                    c.user_agent) == erased  # fmt: skip
        assert mine[0].body == "第一条评论"
        assert (
            db.session.get(Comment, ids["other"]).author_email == "someone@example.cn"
        )
        assert assert_counts_exact() == before
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "erase-personal")
        )
        assert sorted(entry.target_ids) == sorted(
            [ids["approved"], ids["pending"], ids["spam"]]
        )
        assert entry.changes == {"count": 3}
        assert EMAIL not in json.dumps(entry.changes) + entry.reason


def test_erase_comments_deletes_them_with_exact_counts(
    app, staff, article, other_article
):
    ids = seed(app, article, other_article)

    response = staff.post(
        "/moderation/commenters/erase",
        data={"email": EMAIL, "mode": "comments", "confirm": "y"},
    )

    assert response.status_code == 303
    with app.app_context():
        assert statuses(ids["approved"], ids["pending"], ids["spam"]) == [None] * 3
        assert db.session.get(Comment, ids["reply"]).parent_id is None  # detached, kept
        counts = assert_counts_exact()
        assert counts == {"pending": 0, "approved": 2, "spam": 0, "trash": 0}
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "erase-comments")
        )
        assert entry.changes == {"count": 3}
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "已处理 3 条评论：删除了评论。" in page
    assert "这个邮箱没有评论。" in page


def test_erase_needs_the_confirmation_and_a_known_mode(
    app, staff, article, other_article
):
    ids = seed(app, article, other_article)

    for data in ({"email": EMAIL, "mode": "comments"},
                 {"email": EMAIL, "mode": "everything", "confirm": "y"},
                 {"email": "", "mode": "comments", "confirm": "y"}):  # fmt: skip
        response = staff.post("/moderation/commenters/erase", data=data)
        assert response.status_code == 303

    with app.app_context():
        assert statuses(ids["approved"], ids["pending"]) == ["approved", "pending"]
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0
