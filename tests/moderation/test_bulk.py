"""The queue's bulk form (INTERFACE.md) through POST /moderation/comments:
every action with exact statuses and counts afterwards, its undo restoring
exactly what was there, delete only from the trash, select-all across pages,
emptying the spam and the trash, and no GET changing anything."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import AuditEntry, Comment
from cms.services.moderation import apply_action
from tests.moderation.helpers import (
    add_comment,
    add_comments,
    assert_counts_exact,
    browser_submit,
    statuses,
)


def snapshot(*ids: int) -> dict[int, tuple]:
    """Everything an action and its undo may touch, per comment."""
    db.session.expire_all()
    rows = db.session.scalars(select(Comment).where(Comment.id.in_(ids))).all()
    return {
        c.id: (c.status.value, c.previous_status and c.previous_status.value, c.body)
        for c in rows
    }


def flashes(client) -> list[tuple[str, str]]:
    """The messages flashed since the last call (taken out of the session)."""
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def undo_id(client) -> int | None:
    with client.session_transaction() as session:
        return session.get("moderation_undo")


@pytest.fixture
def mixed(app, article, other_article):
    """One comment in each situation: two pending (two articles), approved,
    spam that was approved, trash that was pending."""
    with app.app_context():
        p1 = add_comment(article)
        p2 = add_comment(other_article)
        a1 = add_comment(article, status="approved")
        s1 = add_comment(article, status="approved")
        t1 = add_comment(other_article)
        apply_action([s1.id], "spam", None)
        apply_action([t1.id], "trash", None)
        assert_counts_exact()
        return [p1.id, p2.id, a1.id, s1.id, t1.id]


AFTER = {
    # action: statuses of p1, p2, a1, s1, t1 afterwards, and how many changed
    "approve": (["approved"] * 5, 4),
    "unapprove": (["pending"] * 5, 3),
    "spam": (["spam"] * 5, 4),
    "trash": (["trash"] * 5, 4),
    "restore": (["pending", "pending", "approved", "approved", "pending"], 2),
    "delete": (["pending", "pending", "approved", "spam", None], 1),
}


@pytest.mark.parametrize("action", list(AFTER))
def test_each_action_then_its_undo(app, staff, mixed, action):
    with app.app_context():
        before = snapshot(*mixed)
        counts_before = assert_counts_exact()

    response = staff.post(
        "/moderation/comments?status=pending&order=oldest",
        data={"ids": mixed, "action": action},
    )

    assert response.status_code == 303
    assert (
        response.headers["Location"]
        == "/moderation/comments?status=pending&order=oldest"
    )
    expected, changed = AFTER[action]
    with app.app_context():
        assert statuses(*mixed) == expected
        assert_counts_exact()
        entry = db.session.get(AuditEntry, undo_id(staff))
        assert entry.action == action and len(entry.target_ids) == changed
    [(category, message)] = flashes(staff)
    assert category == "success" and f" {changed} 条评论" in message
    if action == "delete":
        assert "4 条不在回收站，未删除" in message

    response = staff.post(
        "/moderation/comments/undo?status=pending&order=oldest",
        data={"entry_id": entry.id},
    )

    assert response.status_code == 303
    assert (
        response.headers["Location"]
        == "/moderation/comments?status=pending&order=oldest"
    )
    with app.app_context():
        assert snapshot(*mixed) == before
        assert assert_counts_exact() == counts_before
        assert db.session.get(AuditEntry, entry.id).undone_at is not None


def test_spam_remembers_and_restore_goes_back(app, staff, mixed):
    p1, p2, a1, s1, t1 = mixed

    staff.post("/moderation/comments", data={"ids": [p1, a1], "action": "spam"})
    with app.app_context():
        assert snapshot(p1, a1) == {
            p1: ("spam", "pending", snapshot(p1)[p1][2]),
            a1: ("spam", "approved", snapshot(a1)[a1][2]),
        }
    staff.post("/moderation/comments", data={"ids": [p1, a1], "action": "trash"})
    staff.post("/moderation/comments", data={"ids": [p1, a1], "action": "restore"})

    with app.app_context():
        assert statuses(p1, a1) == ["pending", "approved"]
        assert_counts_exact()


def test_delete_for_good_only_from_the_trash_and_undo_brings_rows_back(
    app, staff, mixed
):
    p1, p2, a1, s1, t1 = mixed
    staff.post("/moderation/comments", data={"ids": [p1], "action": "trash"})
    flashes(staff)
    with app.app_context():
        bodies = snapshot(p1, t1)

    response = staff.post(
        "/moderation/comments?status=trash",
        data={"ids": [p1, t1, a1, s1], "action": "delete"},
    )

    assert response.headers["Location"] == "/moderation/comments?status=trash"
    [(_, message)] = flashes(staff)
    assert "已永久删除 2 条评论" in message and "2 条不在回收站，未删除" in message
    with app.app_context():
        assert statuses(p1, t1, a1, s1) == [None, None, "approved", "spam"]
        assert_counts_exact()

    staff.post("/moderation/comments/undo", data={"entry_id": undo_id(staff)})

    with app.app_context():
        assert snapshot(p1, t1) == bodies
        assert_counts_exact()
    # and restore still knows where they were before the trash
    staff.post("/moderation/comments", data={"ids": [p1, t1], "action": "restore"})
    with app.app_context():
        assert statuses(p1, t1) == ["pending", "pending"]


BUTTONS = {
    # tab: {button label: status it leads to} for a comment of that tab
    "pending": {"批准": "approved", "垃圾": "spam", "回收站": "trash"},
    "approved": {"待审": "pending", "垃圾": "spam", "回收站": "trash"},
    "spam": {"恢复": "approved", "批准": "approved", "回收站": "trash"},
    "trash": {"恢复": "pending", "永久删除": None},
}


@pytest.mark.parametrize(
    ("tab", "label"), [(t, label) for t, labels in BUTTONS.items() for label in labels]
)
def test_each_rows_button_as_a_browser_sends_it(app, staff, mixed, tab, label):
    """The rendered form, submitted as a browser would (the bulk bar's own
    action select and checked boxes must not leak into a row's button)."""
    p1, p2, a1, s1, t1 = mixed
    target = {"pending": p2, "approved": a1, "spam": s1, "trash": t1}[tab]
    path = f"/moderation/comments?status={tab}"
    soup = BeautifulSoup(staff.get(path).get_data(as_text=True), "html.parser")
    for box in soup.select("input[name=ids][form=bulk]"):
        box["checked"] = ""  # other rows checked in the bulk bar: ignored
    row = soup.select_one(f"li#row-{target}")
    button = row.find("button", string=label)

    response = browser_submit(staff, soup, button, path)

    assert response.status_code == 303
    assert response.headers["Location"] == path
    with app.app_context():
        assert statuses(target) == [BUTTONS[tab][label]]
        others = [i for i in mixed if i != target]
        assert statuses(*others) == [snapshot(i)[i][0] for i in others]
        assert_counts_exact()


def test_the_bulk_bar_as_a_browser_sends_it(app, staff, mixed, article):
    p1, p2, *_ = mixed
    with app.app_context():
        p3 = add_comment(article).id
    path = "/moderation/comments?status=pending"
    soup = BeautifulSoup(staff.get(path).get_data(as_text=True), "html.parser")
    for comment_id in (p1, p3):
        soup.select_one(f"#check-{comment_id}")["checked"] = ""
    soup.select_one("#bulk-action option[value=trash]")["selected"] = ""
    button = soup.find("button", string="应用到选中的评论")

    response = browser_submit(staff, soup, button, path)

    assert response.headers["Location"] == path
    with app.app_context():
        assert statuses(p1, p2, p3) == ["trash", "pending", "trash"]
        assert_counts_exact()

    # and "select all N" with a filter, from the page too
    with app.app_context():
        p4 = add_comment(article).id
    path = f"/moderation/comments?status=pending&article={article.public_id}"
    soup = BeautifulSoup(staff.get(path).get_data(as_text=True), "html.parser")
    assert "选择全部 1 条符合条件的评论" in soup.select_one(".all-matching").get_text()
    soup.select_one("input[name=all_matching]")["checked"] = ""
    soup.select_one("#bulk-action option[value=spam]")["selected"] = ""
    button = soup.find("button", string="应用到选中的评论")

    response = browser_submit(staff, soup, button, path)

    assert response.headers["Location"] == path
    with app.app_context():
        assert statuses(p2, p4) == ["pending", "spam"]  # p2: the other article
        assert_counts_exact()


def test_the_undo_and_empty_buttons_as_a_browser_sends_them(app, staff, mixed):
    path = "/moderation/comments?status=trash"
    staff.post(path, data={"ids": mixed[:2], "action": "trash"})
    soup = BeautifulSoup(staff.get(path).get_data(as_text=True), "html.parser")

    browser_submit(staff, soup, soup.select_one("#undo-form button"), path)
    with app.app_context():
        assert statuses(*mixed) == ["pending", "pending", "approved", "spam", "trash"]

    soup = BeautifulSoup(staff.get(path).get_data(as_text=True), "html.parser")
    response = browser_submit(
        staff, soup, soup.find("button", string="清空回收站"), path
    )
    assert response.headers["Location"] == path
    with app.app_context():
        assert statuses(*mixed) == ["pending", "pending", "approved", "spam", None]
        assert_counts_exact()


def test_nothing_selected_or_a_bad_action_changes_nothing(app, staff, mixed):
    with app.app_context():
        before = snapshot(*mixed)

    for data in ({"action": "approve"}, {"ids": mixed, "action": "publish"},
                 {"ids": ["x"], "action": "approve"}, {"ids": mixed}):  # fmt: skip
        response = staff.post("/moderation/comments?status=spam", data=data)
        assert response.status_code == 303
        assert response.headers["Location"] == "/moderation/comments?status=spam"
        [(category, _)] = flashes(staff)
        assert category in ("info", "error")

    with app.app_context():
        assert snapshot(*mixed) == before
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 2  # fixture's


def test_undo_twice_or_of_something_else_is_refused_cleanly(app, staff, mixed):
    p1 = mixed[0]
    staff.post("/moderation/comments", data={"ids": [p1], "action": "approve"})
    entry_id = undo_id(staff)
    staff.post("/moderation/comments/undo", data={"entry_id": entry_id})
    flashes(staff)

    # A refusal is flashed back to the page the form was on (its Referer).
    queue = {"Referer": "http://localhost/moderation/comments?status=pending"}
    again = staff.post(
        "/moderation/comments/undo", data={"entry_id": entry_id}, headers=queue
    )
    assert again.status_code == 303
    assert again.headers["Location"] == "/moderation/comments?status=pending"
    assert flashes(staff) == [("error", "这个操作已经撤销过了")]

    staff.post(f"/moderation/comments/{p1}/reply", data={"body": "谢谢你的评论。"})
    with app.app_context():
        reply_entry = db.session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "reply")
        )
        before = snapshot(p1)
    flashes(staff)
    refused = staff.post(
        "/moderation/comments/undo", data={"entry_id": reply_entry}, headers=queue
    )
    assert refused.status_code == 303
    assert flashes(staff) == [("error", "这个操作不能撤销")]
    assert (
        staff.post("/moderation/comments/undo", data={"entry_id": 999}).status_code
        == 404
    )
    with app.app_context():
        assert snapshot(p1) == before
        assert_counts_exact()


def test_select_all_matching_acts_on_every_page_of_the_filter(app, staff, article):
    with app.app_context():
        mine = [c.id for c in add_comments(article, 70, author_email="bulk@example.cn")]
        others = [c.id for c in add_comments(article, 50, author_email="ok@example.cn")]
        kept = add_comment(
            article, status="approved", author_email="bulk@example.cn"
        ).id
        assert_counts_exact()

    page = staff.get("/moderation/comments?status=pending&email=bulk@example.cn")
    text = page.get_data(as_text=True)
    assert "选择全部 70 条符合条件的评论" in text
    assert text.count('class="queue-row"') == 50  # one page of 50

    response = staff.post(
        "/moderation/comments?status=pending&email=bulk@example.cn",
        data={"ids": [others[0]], "action": "spam", "all_matching": "1"},
    )

    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert parse_qs(location.query) == {
        "status": ["pending"],
        "email": ["bulk@example.cn"],
    }
    with app.app_context():
        assert set(statuses(*mine)) == {"spam"}
        assert set(statuses(*others)) == {"pending"}  # checked, but not matching
        assert statuses(kept) == ["approved"]  # another tab
        counts = assert_counts_exact()
        assert counts == {"pending": 50, "approved": 1, "spam": 70, "trash": 0}

    staff.post("/moderation/comments/undo", data={"entry_id": undo_id(staff)})

    with app.app_context():
        assert set(statuses(*mine, *others)) == {"pending"}
        assert assert_counts_exact()["pending"] == 120


@pytest.mark.parametrize("status", ["spam", "trash"])
def test_empty_spam_or_trash_and_undo(app, staff, mixed, article, status):
    with app.app_context():
        more = add_comment(article, status=status).id
        before = snapshot(*mixed, more)
        gone = [i for i, (s, _, _) in before.items() if s == status]
        assert len(gone) == 2

    response = staff.post(
        f"/moderation/comments/empty?status={status}", data={"status": status}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/moderation/comments?status={status}"
    assert "已永久删除 2 条评论" in flashes(staff)[0][1]
    with app.app_context():
        assert statuses(*gone) == [None, None]
        assert assert_counts_exact()[status] == 0
        assert len(snapshot(*mixed, more)) == 4

    staff.post("/moderation/comments/undo", data={"entry_id": undo_id(staff)})

    with app.app_context():
        assert snapshot(*mixed, more) == before  # spam comes back as spam
        assert_counts_exact()


def test_empty_refuses_other_tabs(app, staff, mixed):
    response = staff.post("/moderation/comments/empty", data={"status": "pending"})

    assert response.status_code == 303
    assert flashes(staff)[0][0] == "error"
    with app.app_context():
        assert statuses(*mixed) == ["pending", "pending", "approved", "spam", "trash"]


def test_no_get_changes_anything(app, staff, mixed):
    p1, p2, *_ = mixed
    with app.app_context():
        before = snapshot(*mixed)
        entries = db.session.scalar(select(func.count(AuditEntry.id)))

    for path in (
        f"/moderation/comments?action=approve&ids={p1}&ids={p2}",
        f"/moderation/comments?status=pending&action=spam&all_matching=1&ids={p1}",
        "/moderation/comments?status=trash&action=delete&all_matching=1",
        "/moderation/comments/undo?entry_id=1",
        "/moderation/comments/empty?status=trash",
        f"/moderation/comments/{p1}/edit?body=changed",
        "/moderation/commenters/export?email=reader@example.cn&mode=comments",
        "/moderation/commenters/erase?email=reader@example.cn&mode=comments&confirm=y",
    ):
        assert staff.get(path).status_code in (200, 405), path

    with app.app_context():
        assert snapshot(*mixed) == before
        assert db.session.scalar(select(func.count(AuditEntry.id))) == entries
        assert_counts_exact()


def test_the_undo_button_is_offered_once_after_an_action(app, staff, mixed):
    staff.post("/moderation/comments", data={"ids": mixed[:2], "action": "trash"})
    entry_id = undo_id(staff)

    page = staff.get("/moderation/comments?status=pending").get_data(as_text=True)
    assert 'id="undo-form"' in page
    assert f'name="entry_id" value="{entry_id}"' in page
    assert 'action="/moderation/comments/undo?status=pending"' in page

    assert 'id="undo-form"' not in staff.get("/moderation/comments").get_data(
        as_text=True
    )
