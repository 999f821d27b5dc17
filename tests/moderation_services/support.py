"""What the moderation service tests share: comments stored with their
tallies, the exactness check run after every step, and database reads that
go around the session's cache."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, func, select

from cms.extensions import db
from cms.models import Article, AuditEntry, Comment, CommentStatus
from cms.services.tallies import comment_tallies, recount_tallies
from tests.factories import make_comment

PENDING, APPROVED, SPAM, TRASH = (
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
    CommentStatus.SPAM,
    CommentStatus.TRASH,
)


def add_comment(article, status: str | CommentStatus = "pending", **overrides):
    """tests.factories.make_comment (which keeps the article count and the
    status tallies, as the services do)."""
    return make_comment(article, status=str(status), **overrides)


def fresh() -> None:
    """Forget what the session holds (its read transaction and its objects:
    expire_on_commit is off), so the next reads see what is committed now."""
    db.session.rollback()
    db.session.expire_all()


def check_counts() -> None:
    """The kept figures equal the counted ones: the four tallies, and every
    article's comment_count against a COUNT of its approved comments."""
    fresh()
    assert comment_tallies() == recount_tallies()
    approved = dict(
        db.session.execute(
            select(Comment.article_id, func.count(Comment.id))
            .where(Comment.status == CommentStatus.APPROVED)
            .group_by(Comment.article_id)
        ).all()
    )
    kept = dict(db.session.execute(select(Article.id, Article.comment_count)).all())
    assert kept == {article_id: approved.get(article_id, 0) for article_id in kept}


def states(ids) -> dict[int, tuple[CommentStatus, CommentStatus | None]]:
    """{id: (status, previous_status)} as stored, for the ids that exist."""
    fresh()
    rows = db.session.execute(
        select(Comment.id, Comment.status, Comment.previous_status).where(
            Comment.id.in_(list(ids))
        )
    )
    return {i: (s, p) for i, s, p in rows}


def row_of(comment_id: int) -> dict | None:
    """Every column of a comment row, as stored (None when there is none)."""
    fresh()
    row = db.session.execute(
        select(Comment.__table__).where(Comment.__table__.c.id == comment_id)
    ).first()
    return dict(row._mapping) if row else None


def audit_entries() -> list[AuditEntry]:
    """The whole audit log, oldest first."""
    fresh()
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def article_count(article_id: int) -> int:
    fresh()
    return db.session.scalar(
        select(Article.comment_count).where(Article.id == article_id)
    )


@contextmanager
def counted_queries():
    """Counts the queries sent inside the block (not BEGIN): `with ... as n`, n[0]."""
    statements = [0]
    engine = db.engine

    def count(_conn, _cursor, statement, *_args, **_kwargs):
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
