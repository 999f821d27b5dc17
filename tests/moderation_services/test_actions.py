"""cms.services.moderation.apply_action: each action moves exactly the
comments it should, keeps the counts exact and records one audit entry."""

from __future__ import annotations

import pytest

from cms.models import CommentStatus
from cms.services.errors import InvalidInput
from cms.services.moderation import apply_action
from tests.factories import make_article
from tests.moderation_services.support import (
    APPROVED,
    PENDING,
    SPAM,
    TRASH,
    add_comment,
    article_count,
    audit_entries,
    check_counts,
    row_of,
    states,
)


def four_comments(article) -> dict[str, int]:
    """One comment in each status; the parked ones remember where they were."""
    made = {
        "pending": add_comment(article, "pending"),
        "approved": add_comment(article, "approved"),
        "spam": add_comment(article, "spam", previous_status=PENDING),
        "trash": add_comment(article, "trash", previous_status=APPROVED),
    }
    check_counts()
    return {name: comment.id for name, comment in made.items()}


# action -> {starting status: (status, previous_status) after}; rows not
# listed do not change.
EXPECTED = {
    "approve": {
        "pending": (APPROVED, None),
        "spam": (APPROVED, PENDING),
        "trash": (APPROVED, APPROVED),
    },
    "unapprove": {
        "approved": (PENDING, None),
        "spam": (PENDING, PENDING),
        "trash": (PENDING, APPROVED),
    },
    "spam": {
        "pending": (SPAM, PENDING),
        "approved": (SPAM, APPROVED),
        "trash": (SPAM, APPROVED),  # parked to parked: still remembers approved
    },
    "trash": {
        "pending": (TRASH, PENDING),
        "approved": (TRASH, APPROVED),
        "spam": (TRASH, PENDING),
    },
    "restore": {
        "spam": (PENDING, PENDING),
        "trash": (APPROVED, APPROVED),
    },
}
BEFORE = {
    "pending": (PENDING, None),
    "approved": (APPROVED, None),
    "spam": (SPAM, PENDING),
    "trash": (TRASH, APPROVED),
}


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_an_action_moves_what_it_should_with_one_entry(ctx, actor, article, action):
    ids = four_comments(article)
    result = apply_action(ids.values(), action, actor, reason="测试")
    check_counts()

    expected = {name: EXPECTED[action].get(name, BEFORE[name]) for name in ids}
    assert states(ids.values()) == {ids[name]: expected[name] for name in ids}
    changed = EXPECTED[action]
    assert (result.changed, result.skipped) == (len(changed), 4 - len(changed))
    [entry] = audit_entries()
    assert entry.id == result.entry.id
    assert (entry.action, entry.target_type, entry.reason) == (
        action,
        "comment",
        "测试",
    )
    assert entry.actor_id == actor.id
    assert entry.target_ids == sorted(ids[name] for name in changed)
    assert entry.changes == {
        str(ids[name]): {
            "from": BEFORE[name][0].value,
            "to": changed[name][0].value,
            "previous": BEFORE[name][1].value if BEFORE[name][1] else None,
        }
        for name in changed
    }
    assert entry.undone_at is None and entry.undo_of_id is None
    approved_after = sum(1 for status, _ in expected.values() if status == APPROVED)
    assert article_count(article.id) == approved_after


def test_moved_rows_record_who_and_when(ctx, actor, article):
    comment = add_comment(article, "pending")
    apply_action([comment.id], "approve", actor)
    row = row_of(comment.id)
    assert row["moderated_by_id"] == actor.id
    assert row["moderated_at"] is not None


def test_restore_without_a_remembered_status_goes_to_pending(ctx, actor, article):
    spam = add_comment(article, "spam")  # e.g. imported as spam: nothing remembered
    trash = add_comment(article, "trash")
    check_counts()
    result = apply_action([spam.id, trash.id], "restore", actor)
    check_counts()
    assert result.changed == 2
    assert states([spam.id, trash.id]) == {
        spam.id: (PENDING, None),
        trash.id: (PENDING, None),
    }


def test_spam_then_restore_comes_back_to_approved(ctx, actor, article):
    comment = add_comment(article, "approved")
    apply_action([comment.id], "spam", actor)
    check_counts()
    assert article_count(article.id) == 0
    apply_action([comment.id], "trash", actor)  # spam -> trash keeps "approved"
    check_counts()
    apply_action([comment.id], "restore", actor)
    check_counts()
    assert states([comment.id]) == {comment.id: (APPROVED, APPROVED)}
    assert article_count(article.id) == 1


def test_counts_move_on_every_article_touched(ctx, actor):
    first, second = make_article(), make_article()
    ids = [add_comment(first, "pending").id for _ in range(3)]
    ids += [add_comment(second, "approved").id for _ in range(2)]
    check_counts()
    apply_action(ids, "approve", actor)
    check_counts()
    assert (article_count(first.id), article_count(second.id)) == (3, 2)
    apply_action(ids, "trash", actor)
    check_counts()
    assert (article_count(first.id), article_count(second.id)) == (0, 0)
    apply_action(ids, "restore", actor)  # all were approved when trashed
    check_counts()
    assert (article_count(first.id), article_count(second.id)) == (3, 2)


def test_an_action_that_changes_nothing_records_nothing(ctx, actor, article):
    approved = add_comment(article, "approved")
    pending = add_comment(article, "pending")
    result = apply_action([approved.id], "approve", actor)
    assert (result.entry, result.changed, result.skipped) == (None, 0, 1)
    result = apply_action([pending.id], "restore", actor)  # not parked
    assert (result.entry, result.changed, result.skipped) == (None, 0, 1)
    result = apply_action([], "spam", actor)
    assert (result.entry, result.changed, result.skipped) == (None, 0, 0)
    result = apply_action([pending.id + 1000], "approve", actor)  # no such row
    assert (result.entry, result.changed, result.skipped) == (None, 0, 1)
    assert audit_entries() == []
    check_counts()


def test_ids_are_taken_once_and_as_numbers(ctx, actor, article):
    comment = add_comment(article, "pending")
    result = apply_action([str(comment.id), comment.id, comment.id], "approve", actor)
    assert (result.changed, result.skipped) == (1, 0)
    assert result.entry.target_ids == [comment.id]
    check_counts()


@pytest.mark.parametrize("action", ["publish", "", "Approve", "undo"])
def test_an_unknown_action_is_invalid_and_changes_nothing(ctx, actor, article, action):
    comment = add_comment(article, "pending")
    with pytest.raises(InvalidInput):
        apply_action([comment.id], action, actor)
    assert states([comment.id]) == {comment.id: (PENDING, None)}
    assert audit_entries() == []
    check_counts()


def test_an_action_without_an_actor_is_recorded_as_the_system(ctx, article):
    comment = add_comment(article, "pending")
    result = apply_action([comment.id], "spam", None)
    assert result.entry.actor_id is None
    assert row_of(comment.id)["moderated_by_id"] is None
    check_counts()


def test_delete_removes_only_trash_and_reports_the_rest(ctx, actor, article):
    ids = four_comments(article)
    reply = add_comment(article, "approved", parent=_comment(ids["trash"]))
    check_counts()
    result = apply_action(ids.values(), "delete", actor)
    check_counts()

    assert (result.changed, result.skipped) == (1, 3)
    assert "3" in result.note  # "3 条不在回收站，未删除"
    assert row_of(ids["trash"]) is None
    assert set(states(ids.values())) == {ids["pending"], ids["approved"], ids["spam"]}
    kept = row_of(reply.id)
    assert kept is not None and kept["parent_id"] is None  # detached, not deleted
    [entry] = audit_entries()
    assert entry.action == "delete"
    assert entry.target_ids == [ids["trash"]]
    change = entry.changes[str(ids["trash"])]
    assert (change["from"], change["to"]) == ("trash", "deleted")
    assert change["snapshot"]["id"] == ids["trash"]
    assert article_count(article.id) == 2  # the approved one and the reply


def test_delete_of_nothing_in_the_trash_records_nothing(ctx, actor, article):
    pending = add_comment(article, "pending")
    result = apply_action([pending.id], "delete", actor)
    assert (result.entry, result.changed, result.skipped) == (None, 0, 1)
    assert result.note
    assert states([pending.id]) == {pending.id: (PENDING, None)}
    assert audit_entries() == []
    check_counts()


def test_many_comments_in_one_action(ctx, actor, article):
    """More ids than one chunk of the IN lists (500)."""
    from cms.services import moderation

    ids = [add_comment(article, "pending").id for _ in range(moderation.CHUNK + 30)]
    check_counts()
    result = apply_action(ids, "approve", actor)
    check_counts()
    assert result.changed == len(ids)
    assert article_count(article.id) == len(ids)
    assert len(result.entry.changes) == len(ids)
    result = apply_action(ids, "trash", actor)
    check_counts()
    result = apply_action(ids, "delete", actor)
    check_counts()
    assert result.changed == len(ids)
    assert states(ids) == {}


def _comment(comment_id: int):
    from cms.extensions import db
    from cms.models import Comment

    return db.session.get(Comment, comment_id)


def test_status_enum_values_are_the_audit_vocabulary():
    assert {s.value for s in CommentStatus} == {"pending", "approved", "spam", "trash"}


def test_moderating_does_not_touch_the_articles_updated_at(ctx, actor, article):
    """A comment count is not an edit: the sitemap's lastmod and the page's
    modified_time stay (as for view counts)."""
    from sqlalchemy import select

    from cms.extensions import db
    from cms.models import Article

    def updated_at():
        db.session.rollback()
        return db.session.scalar(
            select(Article.updated_at).where(Article.id == article.id)
        )

    before = updated_at()
    comment = add_comment(article, "pending")
    for action in ("approve", "spam", "restore", "trash"):
        apply_action([comment.id], action, actor)
    check_counts()
    assert updated_at() == before
