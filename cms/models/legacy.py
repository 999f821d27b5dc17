"""What imports remember: old addresses that answer 301, and which item of
an imported site became which row here (so importing again changes nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow


class LegacyLink(Model):
    """An address of the old site (a path such as `/2012/01/07/hello/`, or a
    query such as `?p=123`) that answers 301 to an article or a page here."""

    __tablename__ = "legacy_links"

    path: Mapped[str] = mapped_column(String(512), primary_key=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportKey(Model):
    """One item of an imported site (`source`: its address; `kind`: post,
    page, comment, category, tag, author, attachment; `key`: its id there) and the id
    of the row it became here."""

    __tablename__ = "import_keys"

    source: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    target_id: Mapped[int] = mapped_column(Integer)
