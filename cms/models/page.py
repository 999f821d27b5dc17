"""Standalone pages: 关于我们, 联系我们, 隐私政策 …"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow
from cms.models.user import User, enum_column


class PageStatus(enum.StrEnum):
    """Pages are drafts, published, or in the trash (no review step: only
    editors and admins write pages)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    TRASH = "trash"


class Page(Model):
    """A page outside the stream of articles, served at /page/<slug>/; `parent`
    makes a hierarchy (breadcrumbs, the parent's list of children)."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="SET NULL"), index=True
    )
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # "markdown", or "html" (imported from WordPress; see Article.body_format).
    body_format: Mapped[str] = mapped_column(
        String(8), default="markdown", server_default="markdown"
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[PageStatus] = mapped_column(
        enum_column(PageStatus), default=PageStatus.DRAFT
    )
    # Readers may comment on it (a 留言板); off unless an editor opens it.
    allow_comments: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="0"
    )
    # Order among siblings (lower first).
    position: Mapped[int] = mapped_column(Integer, default=0)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    owner: Mapped[User] = relationship(lazy="joined")
    parent: Mapped[Page | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Page {self.slug} {self.status.value}>"
