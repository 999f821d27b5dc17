"""An article's comment_count equals its approved comments after every change
of status through cms.services.moderation.set_status."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import Comment, CommentStatus
from cms.services.moderation import set_status
from tests.comments.support import (
    approved_in_db,
    article_path,
    comment_id_from,
    parse,
    post_comment,
    reader,
    stored_count,
)
from tests.factories import make_comment, make_user

P, A, S, T = (
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
    CommentStatus.SPAM,
    CommentStatus.TRASH,
)


def _status(comment_id: int) -> tuple[CommentStatus, CommentStatus | None]:
    db.session.expire_all()
    row = db.session.get(Comment, comment_id)
    return row.status, row.previous_status


def _assert_exact(*articles) -> None:
    for article in articles:
        assert stored_count(article.id) == approved_in_db(article.id)


def test_count_follows_every_transition(ctx, article):
    other = make_comment(article, status="approved")  # a bystander that stays
    comment = make_comment(article, status="pending")
    assert stored_count(article.id) == 1

    steps = [
        # (to, expected count, previous_status afterwards)
        (A, 2, None),  # pending -> approved
        (S, 1, A),  # approved -> spam: remembers approved
        (T, 1, A),  # spam -> trash: still approved (what restore goes back to)
        (A, 2, A),  # trash -> approved
        (P, 1, A),  # approved -> pending
        (T, 1, P),  # pending -> trash: remembers pending
        (P, 1, P),  # trash -> pending
        (S, 1, P),
        (A, 2, P),
    ]
    for to, expected, previous in steps:
        before = _status(comment.id)[0]
        changed = set_status([comment.id], to, None)

        assert changed == {comment.id: before}
        assert _status(comment.id) == (to, previous)
        assert stored_count(article.id) == expected
        _assert_exact(article)
    assert _status(other.id) == (A, None)


@pytest.mark.parametrize("status", [P, A, S, T])
def test_setting_the_same_status_again_changes_nothing(ctx, article, status):
    editor = make_user(password=None)
    comment = make_comment(article, status="pending")
    if status != P:
        set_status([comment.id], status, None)
    before_count = stored_count(article.id)
    db.session.expire_all()
    before = db.session.get(Comment, comment.id)
    snapshot = (before.status, before.previous_status, before.moderated_at)

    changed = set_status([comment.id], status, editor)

    assert changed == {}
    assert stored_count(article.id) == before_count
    db.session.expire_all()
    after = db.session.get(Comment, comment.id)
    assert (after.status, after.previous_status, after.moderated_at) == snapshot
    assert after.moderated_by_id is None
    _assert_exact(article)


def test_moderator_and_time_are_recorded(ctx, article):
    editor = make_user(password=None)
    comment = make_comment(article, status="pending")

    set_status([comment.id], A, editor)

    db.session.expire_all()
    row = db.session.get(Comment, comment.id)
    assert row.moderated_by_id == editor.id
    assert row.moderated_at is not None


def test_bulk_change_across_articles_and_statuses(ctx, article, publish):
    second = publish()
    mixed = [
        make_comment(article, status="approved"),
        make_comment(article, status="pending"),
        make_comment(article, status="spam"),
        make_comment(second, status="approved"),
        make_comment(second, status="trash"),
    ]
    ids = [c.id for c in mixed]

    assert set(set_status(ids, A, None)) == {c.id for c in mixed[1:3] + mixed[4:]}
    assert (stored_count(article.id), stored_count(second.id)) == (3, 2)
    _assert_exact(article, second)

    changed = set_status(ids + ids, S, None)  # repeated ids count once

    assert changed == {i: A for i in ids}
    assert (stored_count(article.id), stored_count(second.id)) == (0, 0)
    _assert_exact(article, second)
    previous = db.session.scalars(
        select(Comment.previous_status).where(Comment.id.in_(ids))
    ).all()
    assert set(previous) == {A}


def test_unknown_ids_change_nothing(ctx, article):
    make_comment(article, status="approved")

    assert set_status([987654], T, None) == {}
    assert set_status([], T, None) == {}
    assert stored_count(article.id) == 1


def test_page_count_matches_approved_comments_replies_included(app, client, article):
    with app.app_context():
        parent = make_comment(article, status="approved")
        make_comment(article, status="approved", parent=parent)
        held = make_comment(article, status="pending", parent=parent)
        make_comment(article, status="spam")
        make_comment(article, status="trash")

    page = parse(client.get(article_path(article.public_id)))
    assert page.select_one("#comments")["data-count"] == "2"

    with app.app_context():
        set_status([held.id], A, None)
    page = parse(client.get(article_path(article.public_id)))
    assert page.select_one("#comments")["data-count"] == "3"
    assert len(page.select("#comments li[id^=comment-]")) == 3


def test_posted_comments_keep_the_count_exact(app, client, article, settings):
    settings(comments__hold_first="false")
    for n in range(3):
        comment_id_from(
            post_comment(client, article.public_id, **reader(n)), article.public_id
        )
    held = post_comment(
        client, article.public_id, **reader(9, body="http://a.example http://b.example")
    )
    comment_id_from(held, article.public_id)

    with app.app_context():
        assert stored_count(article.id) == 3
        _assert_exact(article)
