"""Articles: what readers come for."""

from __future__ import annotations

import enum
import secrets
import string
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow
from cms.models.media import MediaFile
from cms.models.taxonomy import Category, Tag, article_tags
from cms.models.user import User, enum_column
from cms.text.reading import (
    Reading,
    TocEntry,
    reading_of,
    table_of_contents,
    toc_entries,
)

PUBLIC_ID_ALPHABET = string.digits + string.ascii_letters
PUBLIC_ID_LENGTH = 16


def new_public_id() -> str:
    """16 characters of [0-9A-Za-z] from `secrets`: about 95 bits, unguessable."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def body_columns(html: str) -> dict[str, Any]:
    """The columns an article stores for the rendered body `html`: the HTML,
    and what the article page reads from it (cms.text.reading: the word
    count and reading minutes, the h2-h3 headings as [level, id, text]).
    Derived here only, so what is stored never disagrees with the HTML."""
    reading = reading_of(html)
    return {
        "body_html": html,
        "reading_words": reading.words,
        "reading_minutes": reading.minutes,
        "toc": [[e.level, e.id, e.text] for e in table_of_contents(html)],
    }


def _from_body(name: str) -> Callable[[DefaultExecutionContext], Any]:
    """An INSERT default: the column `name` of body_columns() for the row's
    body_html, for a row inserted without it: a new article flushed before
    its body is set (body_html "" then; set_body_html follows), rows
    written as dicts (a site export made before these columns, a
    benchmark's bulk insert)."""

    def default(context: DefaultExecutionContext) -> Any:
        row = context.get_current_parameters()  # type: ignore[no-untyped-call]
        html = row.get("body_html")
        return body_columns(html or "")[name]  # body_html's default is ""

    return default


class ArticleStatus(enum.StrEnum):
    """Where an article is in its life; readers only ever see `published`."""

    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    TRASH = "trash"


class _Named(Protocol):
    @property
    def display_name(self) -> str: ...


class _StoredFacts(Protocol):
    """The stored columns ArticleFacts derives from (read-only)."""

    @property
    def reading_words(self) -> int: ...
    @property
    def reading_minutes(self) -> int: ...
    @property
    def toc(self) -> list[list[Any]]: ...
    @property
    def password_hash(self) -> str | None: ...
    @property
    def contributor(self) -> str: ...
    @property
    def owner(self) -> _Named: ...


class ArticleFacts:
    """What pages derive from an article's stored columns: one definition for
    the ORM's Article and for the public page's PublishedArticle
    (cms.services.published)."""

    __slots__ = ()  # the dataclass keeps its slots

    @property
    def reading(self: _StoredFacts) -> Reading:
        """The stored word count and reading minutes of the body."""
        return Reading(self.reading_words, self.reading_minutes)

    @property
    def table_of_contents(self: _StoredFacts) -> tuple[TocEntry, ...]:
        """The stored h2-h3 headings of the body, in order."""
        return toc_entries(self.toc)

    @property
    def is_protected(self: _StoredFacts) -> bool:
        """Readers need a password to see the body."""
        return bool(self.password_hash)

    @property
    def credited(self: _StoredFacts) -> str:
        """The name the attribution credits: the contributor, or the owner's name."""
        return self.contributor or self.owner.display_name


class Article(ArticleFacts, Model):
    """An article. `body_html` and `summary` are derived from the Markdown
    source and the written excerpt, and `public_title` from `title`, by
    cms.services.articles whenever they change (through the word rules:
    readers see `public_title`, the editor keeps `title` as written).
    `reading_words`, `reading_minutes` and `toc` are derived from
    `body_html` whenever it is stored (set_body_html, body_columns).
    """

    __tablename__ = "articles"
    __table_args__ = (
        # Every list the site shows: home, prev/next, feed and sitemap ...
        Index("ix_articles_status_published_at", "status", "published_at", "id"),
        # The home page: its sticky articles (置顶) above, the rest below.
        Index(
            "ix_articles_sticky_status_published_at_id",
            "sticky",
            "status",
            "published_at",
            "id",
        ),
        # ... and the category and author pages (id last: index order is
        # list order, and a keyset page enters at its cursor).
        Index(
            "ix_articles_category_id_status_published_at_id",
            "category_id",
            "status",
            "published_at",
            "id",
        ),
        Index(
            "ix_articles_owner_id_status_published_at_id",
            "owner_id",
            "status",
            "published_at",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(
        String(PUBLIC_ID_LENGTH), unique=True, default=new_public_id
    )
    title: Mapped[str] = mapped_column(String(200))
    # The title readers see: `title` through the word rules (articles scope).
    public_title: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What the article page shows of body_html, stored with it (body_columns)
    # so a view does not derive it again. Never NULL and no server default:
    # SQL that leaves them out is refused rather than shows wrong values
    # (SQLAlchemy inserts derive them, _from_body).
    reading_words: Mapped[int] = mapped_column(
        Integer, default=_from_body("reading_words")
    )
    reading_minutes: Mapped[int] = mapped_column(
        Integer, default=_from_body("reading_minutes")
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ArticleStatus] = mapped_column(
        enum_column(ArticleStatus), default=ArticleStatus.DRAFT
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    contributor: Mapped[str] = mapped_column(String(100), default="")
    # 原创 ("original") or 转载 ("reprint", from `source_url`): the attribution
    # notice says which.
    source: Mapped[str] = mapped_column(String(16), default="original")
    source_url: Mapped[str] = mapped_column(String(512), default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    # The picture shown in lists and as og:image (an uploaded image).
    cover_media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_files.id", ondelete="SET NULL")
    )
    allow_comments: Mapped[bool] = mapped_column(Boolean, default=True)
    # The tip box under the article (the owner's or the site's pay links).
    show_tip: Mapped[bool] = mapped_column(Boolean, default=True)
    # Readers who opened the tip box (counted by a beacon; interest, not money).
    tip_opens: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by every save from the editor: a save that names an older version
    # is refused instead of overwriting someone else's work.
    version: Mapped[int] = mapped_column(Integer, default=1)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    # Pinned first on the home page (置顶).
    sticky: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Readers must enter this password (argon2 hash) to see the body; None: open.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # How `body_markdown` is written: "markdown", or "html" (imported from
    # WordPress: sanitised as Markdown's output is, never parsed as Markdown).
    body_format: Mapped[str] = mapped_column(
        String(8), default="markdown", server_default="markdown"
    )
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    # The large columns come last, in this order (and so on SQLite, by the
    # migration 5e2f7a9c1d84): SQLite stores a row's values in column order
    # and reaches a value stored after a large one by walking its overflow
    # pages, so lists, related articles and neighbours, which read only
    # the small columns, never touch a body.
    excerpt: Mapped[str] = mapped_column(Text, default="")
    # Why an editor sent a submitted article back (shown to its contributor).
    review_note: Mapped[str] = mapped_column(Text, default="")
    # The h2-h3 headings, in order: [[level, id, text], ...].
    toc: Mapped[list[list[Any]]] = mapped_column(JSON, default=_from_body("toc"))
    body_html: Mapped[str] = mapped_column(Text, default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")

    owner: Mapped[User] = relationship(back_populates="articles", lazy="joined")
    category: Mapped[Category | None] = relationship(lazy="joined")
    cover: Mapped[MediaFile | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(
        secondary=article_tags, order_by=Tag.name, lazy="selectin"
    )

    @classmethod
    def visible(cls, now: datetime) -> ColumnElement[bool]:
        """SQL for 'readers may see it': published, and its time has come."""
        return and_(cls.status == ArticleStatus.PUBLISHED, cls.published_at <= now)

    def is_visible(self, now: datetime) -> bool:
        """The same rule as `visible`, for a loaded row."""
        return (
            self.status == ArticleStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= now
        )

    def set_body_html(self, html: str) -> None:
        """Store the rendered body `html` with what is derived from it
        (body_columns): the one way an article's body_html changes."""
        for name, value in body_columns(html).items():
            setattr(self, name, value)

    def body_differs(self, html: str) -> bool:
        """Whether set_body_html(html) would change this row: its HTML, or
        what is derived from it (stored under an older rule)."""
        return any(
            getattr(self, name) != value for name, value in body_columns(html).items()
        )

    def __repr__(self) -> str:
        return f"<Article {self.public_id} {self.status.value}>"
