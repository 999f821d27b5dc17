"""Revisions: every save of an article or a page, kept for diff and restore."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow
from cms.models.user import User


class Revision(Model):
    """One saved state of an article or a page. `number` counts from 1 per
    document; `fields` holds what is not text (category, tags, status, times
    as ISO strings …) so a restore can bring all of it back."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("target_type", "target_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "article" or "page"; no foreign key, so one table serves both.
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the save was: "save", "submit", "publish", "restore of #3" …
    note: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Revision {self.target_type}:{self.target_id} #{self.number}>"
