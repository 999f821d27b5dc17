"""The moderation queue: filtered, keyset-paginated lists of comments, with
what an editor needs to decide."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from cms.extensions import db
from cms.models import Article, Comment, CommentStatus
from cms.services.errors import InvalidInput
from cms.text.bounded import parse_int

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    """What the editor asked to see. Empty strings mean "any"."""

    status: CommentStatus = CommentStatus.PENDING
    article: str = ""  # an article's public id
    author: str = ""  # part of the name
    email: str = ""  # the whole address
    ip: str = ""  # the whole address
    text: str = ""  # part of the body
    oldest_first: bool = False

    def where(self) -> list:
        """The SQL conditions of this filter."""
        conditions = [Comment.status == self.status]
        if self.article:
            conditions.append(
                Comment.article_id
                == select(Article.id).where(Article.public_id == self.article)
                .scalar_subquery()
            )  # fmt: skip
        if self.author:
            conditions.append(
                Comment.author_name.contains(self.author, autoescape=True)
            )
        if self.email:
            conditions.append(Comment.author_email == self.email.strip().lower())
        if self.ip:
            conditions.append(Comment.ip == self.ip.strip())
        if self.text:
            conditions.append(Comment.body.contains(self.text, autoescape=True))
        return conditions


@dataclass(frozen=True)
class Cursor:
    """A position in the queue: the (created_at, id) of the last row shown."""

    created_at: datetime
    id: int

    def encode(self) -> str:
        """`<microseconds since the epoch>_<id>`: exact, no float rounding."""
        return f"{(self.created_at - _EPOCH) // _MICROSECOND}_{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor `encode` wrote; InvalidInput for any other text (a time
        outside 1900-2999 or an id no row can have included)."""
        try:
            micros, _, ident = text.partition("_")
            return cls(
                _EPOCH + parse_int(micros, _MIN_MICROS, _MAX_MICROS) * _MICROSECOND,
                parse_int(ident),
            )
        except ValueError:
            raise InvalidInput("invalid page cursor") from None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MIN_MICROS = (datetime(1900, 1, 1, tzinfo=UTC) - _EPOCH) // _MICROSECOND
_MAX_MICROS = (datetime(3000, 1, 1, tzinfo=UTC) - _EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and the cursor of the next, if any."""

    comments: list[Comment]
    next_cursor: str | None


def _ordered(query: Select, oldest_first: bool) -> Select:
    if oldest_first:
        return query.order_by(Comment.created_at.asc(), Comment.id.asc())
    return query.order_by(Comment.created_at.desc(), Comment.id.desc())


def queue_page(
    filter_: QueueFilter, after: str | None = None, size: int = PAGE_SIZE
) -> QueuePage:
    """A page of matching comments, newest (or oldest) first. Keyset
    pagination on (created_at, id): the cost of a page does not grow with the
    number of rows before it."""
    conditions = filter_.where()
    if after:
        cursor = Cursor.decode(after)
        if filter_.oldest_first:
            conditions.append(or_(Comment.created_at > cursor.created_at,
                                  and_(Comment.created_at == cursor.created_at,
                                       Comment.id > cursor.id)))  # fmt: skip
        else:
            conditions.append(or_(Comment.created_at < cursor.created_at,
                                  and_(Comment.created_at == cursor.created_at,
                                       Comment.id < cursor.id)))  # fmt: skip
    query = _ordered(
        select(Comment)
        .options(selectinload(Comment.article), selectinload(Comment.page))
        .where(*conditions),
        filter_.oldest_first,
    )
    rows = db.session.scalars(query.limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = Cursor(rows[-1].created_at, rows[-1].id).encode() if more else None
    return QueuePage(list(rows), next_cursor)


def matching_ids(filter_: QueueFilter) -> list[int]:
    """Every comment id the filter matches, on every page ("select all N")."""
    return list(db.session.scalars(select(Comment.id).where(*filter_.where())))


def count_matching(filter_: QueueFilter) -> int:
    """How many comments the filter matches."""
    return (
        db.session.scalar(select(func.count(Comment.id)).where(*filter_.where())) or 0
    )


@dataclass(frozen=True)
class History:
    """A commenter's record: approved and spam comments by their address."""

    approved: int = 0
    spam: int = 0


def histories(emails: list[str]) -> dict[str, History]:
    """The record of each address, in one grouped query."""
    wanted = sorted({e for e in emails if e})
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Comment.author_email, Comment.status, func.count(Comment.id))
        .where(Comment.author_email.in_(wanted),
               Comment.status.in_([CommentStatus.APPROVED, CommentStatus.SPAM]))
        .group_by(Comment.author_email, Comment.status)
    ).all()  # fmt: skip
    result = {email: History() for email in wanted}
    for email, status, count in rows:
        field = "approved" if status == CommentStatus.APPROVED else "spam"
        result[email] = replace(result[email], **{field: count})
    return result


def parents_of(comments: list[Comment]) -> dict[int, Comment]:
    """The parent comment of each reply on the page, in one query."""
    ids = {c.parent_id for c in comments if c.parent_id}
    if not ids:
        return {}
    return {
        c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids)))
    }
