"""Readers' comments, with an explicit moderation state."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.extensions import Model
from cms.models.article import Article
from cms.models.base import UTCDateTime, utcnow
from cms.models.page import Page
from cms.models.user import User, enum_column


class CommentStatus(enum.StrEnum):
    """Where a comment stands; readers only ever see `approved` ones."""

    PENDING = "pending"
    APPROVED = "approved"
    SPAM = "spam"
    TRASH = "trash"


class CommentType(enum.StrEnum):
    """A reader's comment, or a link notice imported from WordPress."""

    COMMENT = "comment"
    PINGBACK = "pingback"
    TRACKBACK = "trackback"


class Comment(Model):
    """A comment. Shape rules (lengths, e-mail) live in the form, not here, so
    imports keep what the old site held. `reasons` says why it got its status."""

    __tablename__ = "comments"
    __table_args__ = (
        # The article page: its approved comments, oldest first.
        Index("ix_comments_article_id_status_created_at", "article_id", "status",
              "created_at"),
        # A page's approved comments, oldest first (留言板 and other pages).
        Index("ix_comments_page_id_status_created_at", "page_id", "status",
              "created_at"),
        # Every comment is on exactly one thing: an article or a page.
        CheckConstraint("(article_id IS NULL) <> (page_id IS NULL)",
                        name="one_subject"),
        # The moderation queue: a status tab, newest or oldest first.
        Index("ix_comments_status_created_at_id", "status", "created_at", "id"),
        # A commenter's history (first-comment rule, queue context).
        Index("ix_comments_author_email_status", "author_email", "status"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    # What it comments on: an article or a page, never both (one_subject).
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE")
    )
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE")
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    type: Mapped[CommentType] = mapped_column(
        enum_column(CommentType), default=CommentType.COMMENT
    )
    author_name: Mapped[str] = mapped_column(String(255))
    author_email: Mapped[str] = mapped_column(String(254), default="")
    author_url: Mapped[str] = mapped_column(String(512), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        enum_column(CommentStatus), default=CommentStatus.PENDING
    )
    # The status before it went to spam or trash, for `restore`.
    previous_status: Mapped[CommentStatus | None] = mapped_column(
        enum_column(CommentStatus, name="previous_status")
    )
    # [{"code": …, "params": {…}}]: cms.services.reasons words them
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an editor pins a top-level comment: shown first on its page.
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The author asked for an e-mail when someone replies (off by default).
    notify_replies: Mapped[bool] = mapped_column(default=False)
    # When this comment's notice to its parent's author was queued (at most once).
    parent_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    article: Mapped[Article | None] = relationship()
    page: Mapped[Page | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    moderated_by: Mapped[User | None] = relationship(foreign_keys=[moderated_by_id])

    @property
    def subject(self) -> Article | Page:
        """The article or page this comment is on."""
        subject = self.article if self.article_id is not None else self.page
        assert subject is not None, "a comment is on an article or a page"
        return subject

    def __repr__(self) -> str:
        return f"<Comment {self.id} {self.status.value}>"
