"""cms.services.moderation.undo: every action reversed exactly (statuses and
remembered previous statuses), once, leaving alone what moved since."""

from __future__ import annotations

import pytest

from cms.extensions import db
from cms.models import AuditEntry, Comment
from cms.services.commenters import ban_commenter, edit_comment, reply_as
from cms.services.errors import InvalidInput, NotFound
from cms.services.moderation import apply_action, undo
from cms.services.reasons import reason
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
    fresh,
    row_of,
    states,
)
from tests.moderation_services.test_actions import EXPECTED, four_comments


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_undo_puts_back_statuses_and_previous_statuses(ctx, actor, action):
    first, second = make_article(), make_article()
    ids = list(four_comments(first).values()) + list(four_comments(second).values())
    before = states(ids)
    counts = (article_count(first.id), article_count(second.id))
    done = apply_action(ids, action, actor)
    check_counts()
    assert states(ids) != before

    result = undo(done.entry.id, actor)
    check_counts()
    assert states(ids) == before
    assert (article_count(first.id), article_count(second.id)) == counts
    assert (result.changed, result.skipped) == (done.changed, 0)

    original, undone = audit_entries()
    assert original.id == done.entry.id and original.undone_at is not None
    assert undone.id == result.entry.id
    assert (undone.action, undone.undo_of_id, undone.actor_id) == (
        "undo",
        original.id,
        actor.id,
    )
    assert undone.undone_at is None
    assert set(undone.changes) == set(original.changes)
    for key, change in undone.changes.items():
        assert (change["from"], change["to"]) == (
            original.changes[key]["to"],
            original.changes[key]["from"],
        )


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_an_entry_is_undone_at_most_once(ctx, actor, article, action):
    ids = four_comments(article)
    done = apply_action(ids.values(), action, actor)
    result = undo(done.entry.id, actor)
    after_undo = states(ids.values())
    with pytest.raises(InvalidInput):
        undo(done.entry.id, actor)
    with pytest.raises(InvalidInput):  # nor is the undo itself undone
        undo(result.entry.id, actor)
    assert states(ids.values()) == after_undo
    assert len(audit_entries()) == 2
    check_counts()


def test_rows_moved_since_are_left_alone(ctx, actor, article):
    a = add_comment(article, "pending")
    b = add_comment(article, "pending")
    c = add_comment(article, "pending")
    done = apply_action([a.id, b.id, c.id], "approve", actor)
    apply_action([b.id], "spam", actor)  # another editor's later decision
    apply_action([c.id], "trash", actor)
    apply_action([c.id], "restore", actor)  # back where approve left it
    check_counts()

    result = undo(done.entry.id, actor)
    check_counts()
    assert (result.changed, result.skipped) == (2, 1)
    assert states([a.id, b.id, c.id]) == {
        a.id: (PENDING, None),
        b.id: (SPAM, APPROVED),
        c.id: (PENDING, None),  # previous_status as it was before approve
    }
    assert set(result.entry.changes) == {str(a.id), str(c.id)}
    assert article_count(article.id) == 0


def test_undo_skips_a_comment_deleted_since(ctx, actor, article):
    a = add_comment(article, "pending").id
    b = add_comment(article, "pending").id
    done = apply_action([a, b], "trash", actor)
    apply_action([b], "delete", actor)
    check_counts()
    result = undo(done.entry.id, actor)
    check_counts()
    assert (result.changed, result.skipped) == (1, 1)
    assert states([a, b]) == {a: (PENDING, None)}


def test_undo_of_delete_puts_the_rows_back_exactly(ctx, actor):
    first, second = make_article(), make_article()
    parent = add_comment(first, "approved")
    ids = [
        add_comment(first, "approved", parent=parent, author_url="https://a.cn").id,
        add_comment(first, "pending", body="长一点的评论正文，带标点。").id,
        add_comment(second, "spam", ip="2001:db8::1", user_agent="Mozilla/5.0").id,
        add_comment(second, "approved", reasons=[reason("known_commenter")]).id,
    ]
    apply_action(ids, "trash", actor)
    check_counts()
    before = {i: row_of(i) for i in ids}
    counts = (article_count(first.id), article_count(second.id))
    tallies_before = _tallies()

    deleted = apply_action(ids, "delete", actor)
    check_counts()
    assert deleted.changed == 4 and states(ids) == {}

    result = undo(deleted.entry.id, actor)
    check_counts()
    assert result.changed == 4
    assert {i: row_of(i) for i in ids} == before  # every column, ids included
    assert (article_count(first.id), article_count(second.id)) == counts
    assert _tallies() == tallies_before
    assert result.entry.undo_of_id == deleted.entry.id
    assert result.entry.changes == {
        str(i): {"from": "deleted", "to": "trash"} for i in ids
    }

    # And they can go on from there: restore gives back what they were.
    apply_action(ids, "restore", actor)
    check_counts()
    # (the spam one went to the trash from spam: it remembers no earlier status)
    assert [states(ids)[i][0] for i in ids] == [APPROVED, PENDING, PENDING, APPROVED]
    assert (article_count(first.id), article_count(second.id)) == (2, 1)


def test_undo_of_delete_attaches_the_replies_again(ctx, actor):
    article = make_article()
    parent = add_comment(article, "trash")
    child = add_comment(article, "trash", parent=parent)  # deleted with it
    reply = add_comment(article, "approved", parent=parent)  # stays, detached
    grandchild = add_comment(article, "approved", parent=child)  # stays, detached

    deleted = apply_action([parent.id, child.id], "delete", actor)
    fresh()
    assert [
        db.session.get(Comment, i).parent_id for i in (reply.id, grandchild.id)
    ] == [
        None,
        None,
    ]

    undo(deleted.entry.id, actor)
    fresh()
    parents = {
        i: db.session.get(Comment, i).parent_id
        for i in (child.id, reply.id, grandchild.id)
    }
    assert parents == {
        child.id: parent.id,
        reply.id: parent.id,
        grandchild.id: child.id,
    }
    check_counts()


def test_undo_of_delete_skips_rows_whose_article_is_gone(ctx, actor):
    kept, doomed = make_article(), make_article()
    a = add_comment(kept, "trash").id
    b = add_comment(doomed, "trash").id
    deleted = apply_action([a, b], "delete", actor)
    with db.session.begin():
        db.session.execute(
            db.delete(db.metadata.tables["articles"]).where(
                db.metadata.tables["articles"].c.id == doomed.id
            )
        )
    result = undo(deleted.entry.id, actor)
    check_counts()
    assert (result.changed, result.skipped) == (1, 1)
    assert states([a, b]) == {a: (TRASH, None)}


def test_undo_of_an_unknown_entry_is_not_found(ctx, actor):
    with pytest.raises(NotFound):
        undo(12345, actor)


@pytest.mark.parametrize("kind", ["ban", "edit", "reply"])
def test_entries_that_are_not_status_actions_cannot_be_undone(
    ctx, actor, article, kind
):
    comment = add_comment(article, "pending")
    if kind == "ban":
        ban_commenter(comment.id, actor, spam_pending=False)
    elif kind == "edit":
        edit_comment(comment.id, "改过的正文", actor)
    else:
        reply_as(comment.id, "编辑的回复", actor)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == kind))
    before = states([comment.id])
    with pytest.raises(InvalidInput):
        undo(entry.id, actor)
    assert states([comment.id]) == before
    assert db.session.get(AuditEntry, entry.id).undone_at is None
    check_counts()


def _tallies():
    from cms.services.tallies import comment_tallies

    fresh()
    return comment_tallies()


def test_comment_model_is_the_one_restored():
    assert Comment.__tablename__ == "comments"
