"""cms.services.moderation.empty_status: the spam or the trash emptied in one
recorded action, which undo reverses exactly."""

from __future__ import annotations

import pytest

from cms.models import CommentStatus
from cms.services.errors import InvalidInput
from cms.services.moderation import empty_status, undo
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


@pytest.fixture
def parked(ctx):
    """Two articles with comments in every status; the parked ones remember
    different earlier statuses. Returns {name: id}."""
    first, second = make_article(), make_article()
    made = {
        "pending": add_comment(first, "pending"),
        "approved": add_comment(first, "approved"),
        "spam-from-pending": add_comment(first, "spam", previous_status=PENDING),
        "spam-from-approved": add_comment(second, "spam", previous_status=APPROVED),
        "spam-imported": add_comment(second, "spam"),
        "trash-from-approved": add_comment(first, "trash", previous_status=APPROVED),
        "trash-from-pending": add_comment(second, "trash", previous_status=PENDING),
    }
    check_counts()
    return {name: c.id for name, c in made.items()}


@pytest.mark.parametrize("status", [SPAM, TRASH])
def test_emptying_deletes_that_status_only_and_undo_brings_it_back(
    ctx, actor, parked, status
):
    ids = list(parked.values())
    emptied = [i for name, i in parked.items() if name.startswith(status.value)]
    kept = [i for i in ids if i not in emptied]
    before = {i: row_of(i) for i in ids}
    before_states = states(ids)

    result = empty_status(status, actor)
    check_counts()
    assert (result.changed, result.skipped) == (len(emptied), 0)
    assert set(states(ids)) == set(kept)
    [entry] = audit_entries()
    assert entry.action == "delete"
    assert entry.target_ids == sorted(emptied)
    assert {k: (c["from"], c["to"]) for k, c in entry.changes.items()} == {
        str(i): (status.value, "deleted") for i in emptied
    }
    assert article_count(row_of(parked["approved"])["article_id"]) == 1

    undone = undo(result.entry.id, actor)
    check_counts()
    assert undone.changed == len(emptied)
    assert states(ids) == before_states  # back in spam (or trash), as they were
    assert {i: row_of(i) for i in ids} == before
    assert undone.entry.undo_of_id == entry.id
    assert audit_entries()[0].undone_at is not None
    with pytest.raises(InvalidInput):
        undo(result.entry.id, actor)
    check_counts()


@pytest.mark.parametrize("status", [SPAM, TRASH])
def test_emptying_an_empty_status_records_nothing(ctx, actor, article, status):
    add_comment(article, "pending")
    result = empty_status(status, actor)
    assert (result.entry, result.changed) == (None, 0)
    assert audit_entries() == []
    check_counts()


@pytest.mark.parametrize("status", [PENDING, APPROVED])
def test_only_spam_and_trash_can_be_emptied(ctx, actor, parked, status):
    with pytest.raises(InvalidInput):
        empty_status(status, actor)
    assert len(states(parked.values())) == len(parked)
    assert audit_entries() == []
    check_counts()


def test_replies_to_emptied_comments_stay(ctx, actor, article):
    spam = add_comment(article, "spam")
    reply = add_comment(article, "approved", parent=spam)
    spam_id, reply_id = spam.id, reply.id
    empty_status(CommentStatus.SPAM, actor)
    check_counts()
    assert row_of(spam_id) is None
    assert row_of(reply_id)["parent_id"] is None
    assert article_count(article.id) == 1
