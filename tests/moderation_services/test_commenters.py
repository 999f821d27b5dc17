"""cms.services.commenters: a commenter's data exported and erased, bans that
catch their next comment, and editors' replies and edits from the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import AuditEntry, Comment, utcnow
from cms.services.commenters import (
    ERASED_NAME,
    ban_commenter,
    edit_comment,
    erase_commenter,
    export_commenter,
    reply_as,
)
from cms.services.errors import InvalidInput, NotFound
from cms.services.reasons import reason
from cms.services.settings import current_settings, set_setting
from cms.services.spam import Candidate, assess
from tests.factories import make_article
from tests.moderation_services.support import (
    APPROVED,
    PENDING,
    SPAM,
    add_comment,
    article_count,
    audit_entries,
    check_counts,
    row_of,
    states,
)

EMAIL = "zhang@example.cn"


@pytest.fixture
def commenter(ctx):
    """Zhang's comments on two articles in several statuses, a reply by
    someone else to one of them, and a comment by someone else."""
    first, second = make_article(), make_article()
    t0 = utcnow() - timedelta(hours=5)
    mine = dict(author_name="张三", author_email=EMAIL, author_url="https://zhang.cn",
                ip="203.0.113.9", user_agent="Mozilla/5.0 (X11)")  # fmt: skip
    c = {
        "a1": add_comment(first, "approved", body="第一条", created_at=t0, **mine),
        "a2": add_comment(second, "approved", body="第二条",
                          created_at=t0 + timedelta(hours=1), **mine),
        "p": add_comment(first, "pending", body="第三条",
                         created_at=t0 + timedelta(hours=2), **mine),
        "s": add_comment(second, "spam", body="第四条",
                         created_at=t0 + timedelta(hours=3), **mine),
    }  # fmt: skip
    c["reply"] = add_comment(first, "approved", parent=c["a1"], author_name="李四",
                             author_email="li@example.cn", body="回复张三")  # fmt: skip
    c["other"] = add_comment(second, "pending", author_email="li@example.cn")
    check_counts()
    return {"first": first.id, "second": second.id, **{k: v.id for k, v in c.items()}}


def test_export_holds_every_comment_of_the_address(commenter):
    document = export_commenter("  Zhang@Example.CN ")
    assert document["email"] == EMAIL
    assert document["exported_at"]
    got = document["comments"]
    assert [c["id"] for c in got] == [commenter[k] for k in ("a1", "a2", "p", "s")]
    first = got[0]
    article = db.session.get(Comment, commenter["a1"]).article
    assert first == {
        "id": commenter["a1"],
        "article": article.public_id,
        "article_title": article.title,
        "page": None,
        "parent_id": None,
        "author_name": "张三",
        "author_email": EMAIL,
        "author_url": "https://zhang.cn",
        "body": "第一条",
        "status": "approved",
        "ip": "203.0.113.9",
        "user_agent": "Mozilla/5.0 (X11)",
        "created_at": db.session.get(Comment, commenter["a1"]).created_at.isoformat(),
    }
    assert [c["status"] for c in got] == ["approved", "approved", "pending", "spam"]
    assert export_commenter("nobody@example.cn")["comments"] == []
    assert export_commenter("")["comments"] == []


def test_erase_comments_deletes_them_and_keeps_replies(commenter, actor):
    mine = [commenter[k] for k in ("a1", "a2", "p", "s")]
    assert erase_commenter(EMAIL.upper(), "comments", actor) == 4
    check_counts()
    assert states(mine) == {}
    reply = row_of(commenter["reply"])
    assert reply["parent_id"] is None and reply["body"] == "回复张三"
    assert row_of(commenter["other"]) is not None
    assert article_count(commenter["first"]) == 1  # the reply
    assert article_count(commenter["second"]) == 0
    [entry] = audit_entries()
    assert (entry.action, entry.actor_id) == ("erase-comments", actor.id)
    assert entry.changes == {"count": 4}  # how many, not what
    assert sorted(entry.target_ids) == sorted(mine)
    assert export_commenter(EMAIL)["comments"] == []


def test_erase_personal_keeps_the_text_and_blanks_the_person(commenter, actor):
    mine = [commenter[k] for k in ("a1", "a2", "p", "s")]
    before = states(mine)
    assert erase_commenter(EMAIL, "personal", actor) == 4
    check_counts()
    assert states(mine) == before
    for comment_id in mine:
        row = row_of(comment_id)
        assert (row["author_name"], row["author_email"], row["author_url"]) == (
            ERASED_NAME, "", ""
        )  # fmt: skip
        assert (row["ip"], row["user_agent"]) == (None, None)
    assert row_of(commenter["a1"])["body"] == "第一条"
    assert row_of(commenter["reply"])["parent_id"] == commenter["a1"]
    assert row_of(commenter["other"])["author_email"] == "li@example.cn"
    assert article_count(commenter["first"]) == 2
    [entry] = audit_entries()
    assert entry.action == "erase-personal"
    assert entry.changes == {"count": 4}
    assert "zhang" not in repr(entry.changes) + entry.reason
    assert export_commenter(EMAIL)["comments"] == []


def test_erase_of_nobody_and_bad_input(commenter, actor):
    assert erase_commenter("nobody@example.cn", "comments", actor) == 0
    with pytest.raises(InvalidInput):
        erase_commenter(EMAIL, "everything", actor)
    with pytest.raises(InvalidInput):
        erase_commenter("  ", "comments", actor)
    assert audit_entries() == []
    check_counts()


def _rules() -> list[str]:
    db.session.rollback()
    from flask import g

    g.pop("cms_settings", None)
    text = current_settings()["comments.disallowed"]
    return text.split("\n") if text else []


def _assess(email: str, ip: str):
    candidate = Candidate(author_name="又来了", author_email=email, author_url="",
                          body="新的一条评论", ip=ip)  # fmt: skip
    return assess(candidate, utcnow())


def test_ban_by_email_marks_their_pending_comments_spam(commenter, actor):
    set_setting("comments.disallowed", "赌场")
    result = ban_commenter(commenter["p"], actor)
    check_counts()
    assert result.rules == [EMAIL]
    assert _rules() == ["赌场", EMAIL]
    # The banned comment and their other pending ones; approved ones stay.
    assert states([commenter[k] for k in ("a1", "a2", "p", "s", "other")]) == {
        commenter["a1"]: (APPROVED, None),
        commenter["a2"]: (APPROVED, None),
        commenter["p"]: (SPAM, PENDING),
        commenter["s"]: (SPAM, None),
        commenter["other"]: (PENDING, None),
    }
    assert result.marked_spam.changed == 1
    actions = [(e.action, e.target_ids) for e in audit_entries()]
    assert actions == [("spam", [commenter["p"]]), ("ban", [commenter["p"]])]
    assert _assess("ZHANG@example.cn", "198.51.100.1").status == SPAM
    assert _assess("li@example.cn", "203.0.113.9").status != SPAM


def test_banning_an_approved_comment_takes_it_off_the_page(commenter, actor):
    other_pending = add_comment(
        db.session.get(Comment, commenter["p"]).article, "pending", author_email=EMAIL
    ).id
    ban_commenter(commenter["a1"], actor)
    check_counts()
    assert states([commenter["a1"]])[commenter["a1"]] == (SPAM, APPROVED)
    assert states([other_pending])[other_pending][0] == SPAM
    assert article_count(commenter["first"]) == 1  # only the reply now


def test_ban_by_ip_and_without_marking(commenter, actor):
    result = ban_commenter(commenter["p"], actor, by_email=False, by_ip=True,
                           spam_pending=False)  # fmt: skip
    assert result.rules == ["203.0.113.9"]
    assert result.marked_spam is None
    assert states([commenter["p"]])[commenter["p"]] == (PENDING, None)
    assert _rules() == ["203.0.113.9"]
    assert _assess("new@example.cn", "203.0.113.9").status == SPAM
    assert _assess("new@example.cn", "203.0.113.10").status != SPAM
    check_counts()


@pytest.mark.parametrize(
    ("ip", "rule", "caught", "free"),
    [
        ("203.0.113.9", "203.0.113.0/24", "203.0.113.200", "203.0.114.1"),
        ("2001:db8:1:2:a:b:c:d", "2001:db8:1:2::/64", "2001:db8:1:2::99",
         "2001:db8:1:3::1"),
    ],
)  # fmt: skip
def test_ban_by_range(ctx, actor, article, ip, rule, caught, free):
    comment = add_comment(article, "pending", author_email="x@example.cn", ip=ip)
    same_ip = add_comment(article, "pending", author_email="y@example.cn", ip=ip)
    in_range = add_comment(article, "pending", author_email="z@example.cn", ip=caught)
    outside = add_comment(article, "pending", author_email="w@example.cn", ip=free)
    result = ban_commenter(comment.id, actor, by_email=False, ip_range=True)
    check_counts()
    assert result.rules == [rule]
    assert _rules() == [rule]
    assert states([same_ip.id])[same_ip.id][0] == SPAM  # same address, pending
    assert states([in_range.id])[in_range.id][0] == SPAM  # same range, pending
    assert states([outside.id])[outside.id][0] != SPAM
    assert _assess("new@example.cn", caught).status == SPAM
    assert _assess("new@example.cn", free).status != SPAM


def test_banning_twice_adds_no_duplicate_rule(commenter, actor):
    ban_commenter(commenter["p"], actor, by_ip=True)
    ban_commenter(commenter["a1"], actor, by_ip=True)
    assert _rules() == [EMAIL, "203.0.113.9"]
    check_counts()


def test_ban_needs_something_to_ban(ctx, actor, article):
    anonymous = add_comment(article, "pending", author_email="", ip=None)
    with pytest.raises(InvalidInput):
        ban_commenter(anonymous.id, actor)
    with pytest.raises(NotFound):
        ban_commenter(anonymous.id + 100, actor)
    assert _rules() == []
    assert audit_entries() == []
    check_counts()


def test_reply_as_approves_the_parent_and_publishes(commenter, actor):
    actor.email = "Editor@Example.CN"
    db.session.commit()
    parent = commenter["p"]
    before = article_count(commenter["first"])
    reply = reply_as(parent, "  谢谢指出，已经改正。 ", actor)
    check_counts()
    assert article_count(commenter["first"]) == before + 2
    row = row_of(reply.id)
    assert row["status"] == APPROVED
    assert (row["parent_id"], row["article_id"]) == (parent, commenter["first"])
    assert (row["user_id"], row["moderated_by_id"]) == (actor.id, actor.id)
    assert row["author_name"] == actor.display_name
    assert row["author_email"] == "editor@example.cn"
    assert row["body"] == "谢谢指出，已经改正。"
    assert row["reasons"] == [reason("staff")]
    assert states([parent])[parent] == (APPROVED, None)
    actions = [(e.action, e.target_ids) for e in audit_entries()]
    assert actions == [("approve", [parent]), ("reply", [reply.id])]


def test_reply_to_an_approved_comment_counts_one(commenter, actor):
    before = article_count(commenter["first"])
    reply_as(commenter["a1"], "同意楼上", actor)
    check_counts()
    assert article_count(commenter["first"]) == before + 1
    assert [e.action for e in audit_entries()] == ["reply"]


@pytest.mark.parametrize("body", ["", " x ", "长" * 5001])
def test_reply_of_a_bad_length_is_refused(commenter, actor, body):
    with pytest.raises(InvalidInput):
        reply_as(commenter["p"], body, actor)
    assert states([commenter["p"]])[commenter["p"]] == (PENDING, None)
    assert audit_entries() == []
    check_counts()


def test_reply_to_a_missing_comment(ctx, actor):
    with pytest.raises(NotFound):
        reply_as(999, "回复一下", actor)


def test_edit_keeps_before_and_after(commenter, actor):
    comment_id = commenter["a1"]
    edit_comment(comment_id, "  第一条（已编辑） ", actor, reason="错别字")
    check_counts()
    assert row_of(comment_id)["body"] == "第一条（已编辑）"
    [entry] = audit_entries()
    assert (entry.action, entry.target_ids, entry.reason) == (
        "edit",
        [comment_id],
        "错别字",
    )
    assert entry.changes == {
        str(comment_id): {"before": "第一条", "after": "第一条（已编辑）"}
    }


def test_edit_to_the_same_text_records_nothing(commenter, actor):
    edit_comment(commenter["a1"], " 第一条 ", actor)
    assert audit_entries() == []
    assert row_of(commenter["a1"])["body"] == "第一条"


@pytest.mark.parametrize("body", ["", "x", "   y  ", "长" * 5001])
def test_edit_of_a_bad_length_is_refused(commenter, actor, body):
    with pytest.raises(InvalidInput):
        edit_comment(commenter["a1"], body, actor)
    assert row_of(commenter["a1"])["body"] == "第一条"
    assert audit_entries() == []


def test_edit_of_a_missing_comment(ctx, actor):
    with pytest.raises(NotFound):
        edit_comment(999, "新的正文", actor)
    assert db.session.scalar(select(AuditEntry.id)) is None
