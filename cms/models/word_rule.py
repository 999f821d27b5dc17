"""Word rules (cms.text.wordfilter): one row a rule or exception."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow


class WordRule(Model):
    """A literal word or phrase, its action and where it applies.
    `kind` is word, contact (a contact word followed by an id) or exception
    (a phrase that protects the words inside it; action unused). `scopes`
    is a comma-separated subset of articles, comments, names."""

    __tablename__ = "word_rules"
    __table_args__ = (Index("ix_word_rules_kind_phrase", "kind", "phrase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="word")
    action: Mapped[str] = mapped_column(String(16), default="flag")
    replacement: Mapped[str] = mapped_column(String(200), default="")
    scopes: Mapped[str] = mapped_column(String(64), default="articles,comments,names")
    keep_punct: Mapped[bool] = mapped_column(Boolean, default=False)
    group: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )


class WordExemption(Model):
    """One occurrence in an article that an editor kept as written: the
    matched words and a few characters either side in the Markdown source
    (cms.text.wordfilter.Exemption). Survives edits elsewhere in the text.
    `field` says which text it names: "body" (the Markdown source and the
    written excerpt) or "title"."""

    __tablename__ = "word_exemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(8), default="body", server_default="body")
    phrase: Mapped[str] = mapped_column(String(200))
    left: Mapped[str] = mapped_column(String(32), default="")
    right: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
