"""Uploaded article images: one row per stored image (by content), one per
uploader who has it in their library, one per article that shows it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow
from cms.models.user import User


def page_widths(widths: str) -> list[int]:
    """A stored `widths` text ("480,960,1600") as numbers, smallest first."""
    return [int(w) for w in widths.split(",") if w]


class MediaFile(Model):
    """A stored image. `key` names the cleaned original ("ab/<32 hex>.jpg",
    a hash of its bytes: the same image uploaded twice is one row and one
    file); `widths` lists the page sizes made from it ("480,960,1600"), each
    stored as WebP and, unless the original is WebP or GIF, in its format."""

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    ext: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    widths: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owners: Mapped[list[MediaOwner]] = relationship(
        back_populates="media", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def size_list(self) -> list[int]:
        """The page widths made, smallest first."""
        return page_widths(self.widths)


class MediaOwner(Model):
    """One uploader's use of a stored image: what they called it, the alt
    text they gave, when. Deleting an upload removes this row; the file goes
    with the last one."""

    __tablename__ = "media_owners"
    __table_args__ = (
        UniqueConstraint("media_id", "user_id", name="uq_media_owners_media_user"),
        Index("ix_media_owners_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(
        ForeignKey("media_files.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    alt: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    media: Mapped[MediaFile] = relationship(back_populates="owners", lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")


# Which articles show which stored images (in the body or as the cover),
# kept by cms.services.media_library when an article changes.
article_media = Table(
    "article_media",
    Model.metadata,
    Column(
        "article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "media_id", ForeignKey("media_files.id", ondelete="CASCADE"), primary_key=True
    ),
    Index("ix_article_media_media_id", "media_id"),
)
