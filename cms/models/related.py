"""What related articles and search keep: each published article's weighted
key terms (an inverted index), document frequencies, the stored related
lists, the editors' pins and exclusions, the queue of articles to recompute,
and the search index's segmented text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    text,
)
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


# The search index on PostgreSQL: a GIN index over a tsvector of the
# segmented terms ('simple': no stemming, no stop words; the terms are
# already words, separated by spaces), title terms weighted A, body and tag
# terms D. Queries go through plainto_tsquery('simple', …) on the same terms.
SEARCH_TSVECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, title_terms), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_terms), 'D'))"
)
# The titles alone, with a GIN index of their own: title matches are read
# newest first from the title postings only, however many bodies hold a term.
TITLE_TSVECTOR = "to_tsvector('simple'::regconfig, title_terms)"


class SearchDocument(Model):
    """A published article's segmented text for search (terms separated by
    spaces), written in the transaction that changes the article. SQLite
    searches it through the FTS5 tables `search_fts` (titles and bodies) and
    `search_fts_title` (titles alone), kept in step by triggers; PostgreSQL
    through GIN indexes on SEARCH_TSVECTOR and TITLE_TSVECTOR."""

    __tablename__ = "search_documents"
    __table_args__ = (
        Index(
            "ix_search_documents_tsv", text(SEARCH_TSVECTOR), postgresql_using="gin"
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_search_documents_title_tsv",
            text(TITLE_TSVECTOR),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    title_terms: Mapped[str] = mapped_column(Text, default="")
    body_terms: Mapped[str] = mapped_column(Text, default="")


FTS_TABLE = "search_fts"
TITLE_FTS_TABLE = "search_fts_title"  # starts with FTS_TABLE: left out of Alembic


def include_object(obj: object, name: str | None, type_: str, *_args: object) -> bool:
    """Alembic hook: leave out SQLite's FTS5 table and its shadow tables
    (made by DDL, not by the models)."""
    return not (type_ == "table" and (name or "").startswith(FTS_TABLE))


# unicode61 with the joiners our terms keep (usb-c, c++, v1.2.3) as part of words.
SQLITE_SEARCH_DDL = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title_terms, body_terms, "
    "content='search_documents', content_rowid='article_id', "
    "tokenize=\"unicode61 remove_diacritics 0 tokenchars '-+.#_'\")",
    f"CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "  # noqa: S608  # nosec B608  # DDL of the constant FTS_TABLE; no input
    f"INSERT INTO {FTS_TABLE}(rowid, title_terms, body_terms) "
    "VALUES (new.article_id, new.title_terms, new.body_terms); END",
    f"CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "  # noqa: S608  # nosec B608  # DDL of the constant FTS_TABLE; no input
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.article_id, old.title_terms, old.body_terms); END",
    f"CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "  # noqa: S608  # nosec B608  # DDL of the constant FTS_TABLE; no input
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.article_id, old.title_terms, old.body_terms); "
    f"INSERT INTO {FTS_TABLE}(rowid, title_terms, body_terms) "
    "VALUES (new.article_id, new.title_terms, new.body_terms); END",
    f"CREATE VIRTUAL TABLE {TITLE_FTS_TABLE} USING fts5(title_terms, "
    "content='search_documents', content_rowid='article_id', "
    "tokenize=\"unicode61 remove_diacritics 0 tokenchars '-+.#_'\")",
    f"CREATE TRIGGER search_documents_title_ai AFTER INSERT ON search_documents "  # noqa: S608  # nosec B608  # DDL of the constant TITLE_FTS_TABLE; no input
    f"BEGIN INSERT INTO {TITLE_FTS_TABLE}(rowid, title_terms) "
    "VALUES (new.article_id, new.title_terms); END",
    f"CREATE TRIGGER search_documents_title_ad AFTER DELETE ON search_documents "  # noqa: S608  # nosec B608  # DDL of the constant TITLE_FTS_TABLE; no input
    f"BEGIN INSERT INTO {TITLE_FTS_TABLE}({TITLE_FTS_TABLE}, rowid, title_terms) "
    "VALUES ('delete', old.article_id, old.title_terms); END",
    f"CREATE TRIGGER search_documents_title_au AFTER UPDATE ON search_documents "  # noqa: S608  # nosec B608  # DDL of the constant TITLE_FTS_TABLE; no input
    f"BEGIN INSERT INTO {TITLE_FTS_TABLE}({TITLE_FTS_TABLE}, rowid, title_terms) "
    "VALUES ('delete', old.article_id, old.title_terms); "
    f"INSERT INTO {TITLE_FTS_TABLE}(rowid, title_terms) "
    "VALUES (new.article_id, new.title_terms); END",
]
SQLITE_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS search_documents_title_ai",
    "DROP TRIGGER IF EXISTS search_documents_title_ad",
    "DROP TRIGGER IF EXISTS search_documents_title_au",
    f"DROP TABLE IF EXISTS {TITLE_FTS_TABLE}",
    "DROP TRIGGER IF EXISTS search_documents_ai",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

for _statement in SQLITE_SEARCH_DDL:
    event.listen(
        SearchDocument.__table__,
        "after_create",
        DDL(_statement).execute_if(dialect="sqlite"),  # type: ignore[no-untyped-call]
    )
for _statement in SQLITE_SEARCH_DROP:
    event.listen(
        SearchDocument.__table__,
        "before_drop",
        DDL(_statement).execute_if(dialect="sqlite"),  # type: ignore[no-untyped-call]
    )


class Digest(Model):
    """A kept summary the sidebar shows (archive months, tag cloud, most
    read, latest comments): recomputed in the transaction of the change it
    follows, so that a page never aggregates per request."""

    __tablename__ = "digests"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
