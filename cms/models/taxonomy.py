"""Categories (a tree) and tags (flat) that group articles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.extensions import Model, db
from cms.models.base import UTCDateTime, utcnow

article_tags = Table(
    "article_tags",
    db.metadata,
    Column(
        "article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The tag page lists a tag's articles: look them up from the tag side.
    Index("ix_article_tags_tag_id_article_id", "tag_id", "article_id"),
)


class Category(Model):
    """A category; `parent` makes a hierarchy (shown in breadcrumbs and menus)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Category | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Tag(Model):
    """A tag; its slug is readable pinyin for Chinese names, never empty."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"


class CategoryRedirect(Model):
    """An old category slug that now answers 301 to another category (after a
    merge or a rename), so links and search engines follow."""

    __tablename__ = "category_redirects"

    old_slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship()


class TagRedirect(Model):
    """An old tag slug that answers 301 to another tag (after a rename or a
    merge)."""

    __tablename__ = "tag_redirects"

    old_slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
