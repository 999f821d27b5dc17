"""What related articles and search keep: each published article's weighted
key terms (an inverted index), document frequencies, the stored related
lists, the editors' pins and exclusions, the queue of articles to recompute,
and the search index's segmented text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow

TERM_LENGTH = 64


class ArticleTerm(Model):
    """One of a published article's key terms with its weight in the
    article's unit-length TF-IDF vector. Read by term (rarest terms first:
    the candidates) and by article (the dot products)."""

    __tablename__ = "article_terms"
    __table_args__ = (Index("ix_article_terms_term_weight", "term", "weight"),)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(TERM_LENGTH), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)


class ArticleVector(Model):
    """Every distinct term of an indexed article (space-separated), so that
    document frequencies can be taken back when it changes or leaves."""

    __tablename__ = "article_vectors"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    terms: Mapped[str] = mapped_column(Text, default="")


class TermStat(Model):
    """How many indexed articles contain a term; the row with the empty term
    counts the indexed articles themselves."""

    __tablename__ = "term_stats"

    term: Mapped[str] = mapped_column(String(TERM_LENGTH), primary_key=True)
    df: Mapped[int] = mapped_column(Integer, default=0)


class RelatedArticle(Model):
    """One entry of an article's stored related list, in display order:
    `kind` is pin (an editor's), score (by content) or fill (same category,
    when fewer than six relate)."""

    __tablename__ = "related_articles"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    related_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float, default=0.0)
    kind: Mapped[str] = mapped_column(String(8), default="score")


class RelatedOverride(Model):
    """An editor's choice for an article's related list: `pinned` (shown
    first, in `position` order) or excluded (never shown there)."""

    __tablename__ = "related_overrides"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    pinned: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class RelatedQueue(Model):
    """An article whose related list waits to be computed (written in the
    transaction of the change; taken by the background worker or the tick).
    `spread`: its content changed, so other lists may take it in too."""

    __tablename__ = "related_queue"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    spread: Mapped[bool] = mapped_column(Boolean, default=False)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
