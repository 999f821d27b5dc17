"""Personal data in the audit log's snapshots of deleted comments: erasing a
commenter reaches them, and the purge scrubs them once undo can no longer
use them (cms.services.audit_privacy). Every check reads the audit_log
rows as stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Text, cast, select, update

from cms.extensions import db
from cms.models import AuditEntry, Comment, utcnow
from cms.services.commenters import ERASED_NAME, erase_commenter
from cms.services.errors import InvalidInput
from cms.services.jobs import purge_commenter_data
from cms.services.moderation import apply_action, undo
from tests.moderation_services.support import add_comment, check_counts, fresh

EMAIL = "zhang@example.cn"
IP = "203.0.113.9"
AGENT = "Mozilla/5.0 (X11; 张三的浏览器)"
OTHER = {"author_name": "李四", "author_email": "li@example.cn",
         "ip": "198.51.100.7", "user_agent": "Li's browser"}  # fmt: skip


def zhang(**extra) -> dict:
    mine = {"author_name": "张三", "author_email": EMAIL, "author_url": "https://zhang.cn",
            "ip": IP, "user_agent": AGENT}  # fmt: skip
    return mine | extra


def delete_for_good(ids: list[int], actor) -> int:
    """Trash, then delete: the id of the `delete` entry with the snapshots."""
    apply_action(ids, "trash", actor)
    return apply_action(ids, "delete", actor).entry.id


def stored(entry_id: int) -> dict:
    """The entry's changes as the audit_log row holds them now."""
    fresh()
    return db.session.scalar(
        select(AuditEntry.changes).where(AuditEntry.id == entry_id)
    )


def log_mentions(text: str) -> bool:
    """Some audit_log row's changes contain `text`."""
    fresh()
    found = db.session.scalar(
        select(AuditEntry.id).where(cast(AuditEntry.changes, Text).contains(text))
    )
    return found is not None


def age_entry(entry_id: int, days: int) -> None:
    db.session.execute(
        update(AuditEntry).where(AuditEntry.id == entry_id)
        .values(created_at=utcnow() - timedelta(days=days))
    )  # fmt: skip
    db.session.commit()


@pytest.fixture
def deleted(article, actor):
    """One `delete` entry holding a comment of Zhang's and one of Li's, and
    a comment of Zhang's still on the site. Returns the ids."""
    mine = add_comment(article, "approved", body="张三的旧评论", **zhang()).id
    theirs = add_comment(article, "approved", body="李四的评论", **OTHER).id
    live = add_comment(article, "approved", body="张三还在的评论", **zhang()).id
    entry_id = delete_for_good([mine, theirs], actor)
    assert stored(entry_id)[str(mine)]["snapshot"]["author_email"] == EMAIL
    assert log_mentions(IP) and log_mentions(EMAIL)  # the leak, before erasing
    return {"entry": entry_id, "mine": mine, "theirs": theirs, "live": live}


def test_erasing_personal_data_scrubs_the_snapshots(deleted, actor):
    assert erase_commenter(EMAIL, "personal", actor) == 1  # the live comment

    changes = stored(deleted["entry"])
    snapshot = changes[str(deleted["mine"])]["snapshot"]
    assert not {"author_email", "ip", "user_agent"} & set(snapshot)
    assert (snapshot["author_name"], snapshot["author_url"]) == (ERASED_NAME, "")
    assert snapshot["body"] == "张三的旧评论"  # the text stays, as on live rows
    theirs = changes[str(deleted["theirs"])]["snapshot"]
    assert (theirs["author_email"], theirs["ip"]) == ("li@example.cn", "198.51.100.7")
    assert not log_mentions(EMAIL) and not log_mentions(IP)
    assert not log_mentions("张三的浏览器")


def test_an_undo_after_the_erasure_brings_the_comment_back_anonymous(deleted, actor):
    erase_commenter(EMAIL, "personal", actor)

    undo(deleted["entry"], actor)

    fresh()
    back = db.session.get(Comment, deleted["mine"])
    assert (back.author_name, back.author_email, back.ip, back.user_agent) == (
        ERASED_NAME, "", None, None,
    )  # fmt: skip
    assert db.session.get(Comment, deleted["theirs"]).ip == "198.51.100.7"
    check_counts()


def test_erasing_the_comments_drops_their_snapshots(deleted, actor):
    assert erase_commenter(EMAIL, "comments", actor) == 1

    changes = stored(deleted["entry"])
    mine = changes[str(deleted["mine"])]
    assert mine == {"from": "trash", "to": "deleted", "erased": True}
    assert not log_mentions("张三的旧评论") and not log_mentions(EMAIL)
    undo(deleted["entry"], actor)  # brings back Li's only
    fresh()
    assert db.session.get(Comment, deleted["mine"]) is None
    assert db.session.get(Comment, deleted["theirs"]) is not None
    check_counts()


def test_erasing_reaches_snapshots_when_nothing_is_left_on_the_site(article, actor):
    gone = add_comment(article, "approved", **zhang()).id
    entry_id = delete_for_good([gone], actor)

    assert erase_commenter(EMAIL, "personal", actor) == 0  # no live comment

    snapshot = stored(entry_id)[str(gone)]["snapshot"]
    assert not {"author_email", "ip", "user_agent"} & set(snapshot)
    assert not log_mentions(EMAIL)
    erasure = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "erase-personal")
    )
    assert erasure.changes == {"count": 0, "snapshots": 1}


def test_the_purge_scrubs_entries_past_the_undo_window(deleted, actor):
    age_entry(deleted["entry"], 31)

    purge_commenter_data()

    changes = stored(deleted["entry"])
    for key in ("mine", "theirs"):
        snapshot = changes[str(deleted[key])]["snapshot"]
        assert not {"author_email", "ip", "user_agent"} & set(snapshot)
    assert not log_mentions(EMAIL) and not log_mentions("li@example.cn")
    with pytest.raises(InvalidInput, match="超过 30 天"):
        undo(deleted["entry"], actor)


def test_the_purge_leaves_recent_undoable_entries_whole(deleted, actor):
    age_entry(deleted["entry"], 29)

    purge_commenter_data()

    snapshot = stored(deleted["entry"])[str(deleted["mine"])]["snapshot"]
    assert (snapshot["author_email"], snapshot["ip"], snapshot["user_agent"]) == (
        EMAIL, IP, AGENT,
    )  # fmt: skip
    undo(deleted["entry"], actor)
    fresh()
    assert db.session.get(Comment, deleted["mine"]).ip == IP
    check_counts()


def test_the_purge_takes_ip_and_browser_of_old_comments_as_on_live_rows(article, actor):
    """The comment was written 100 days ago (purge_personal_days is 90) and
    deleted yesterday: its IP and browser go, as they would have from the
    live row; the address stays while the deletion may be undone."""
    old = add_comment(article, "approved", created_at=utcnow() - timedelta(days=100),
                      **zhang()).id  # fmt: skip
    entry_id = delete_for_good([old], actor)

    purge_commenter_data()

    snapshot = stored(entry_id)[str(old)]["snapshot"]
    assert "ip" not in snapshot and "user_agent" not in snapshot
    assert snapshot["author_email"] == EMAIL
    undo(entry_id, actor)
    fresh()
    back = db.session.get(Comment, old)
    assert (back.author_email, back.ip, back.user_agent) == (EMAIL, None, None)
