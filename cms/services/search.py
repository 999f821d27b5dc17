"""Site search over titles, bodies and tags, for Chinese.

Guarantees:
- The index (SearchDocument) holds every published article's segmented
  terms and is written in the same transaction as the article
  (`index_in_transaction`, an in-transaction handler of ArticleChanged); an
  article leaving `published` leaves the index in that transaction too.
- The same segmentation (cms.text.segment.search_terms) feeds the index and
  the queries, on SQLite (FTS5) and PostgreSQL (tsvector 'simple' + GIN), so
  both find the same articles.
- Every term of the query must match (AND). Articles whose title holds
  every term come first (by their title's relevance), then the others (by
  relevance over title, body and tags: BM25 / ts_rank); ties go to the
  newest. The work is bounded by WINDOW, not by how many match: the WINDOW
  newest title matches are read from an index of the titles alone (so an
  old article with the word in its title is found however many newer
  bodies hold it), then the newest other matches until WINDOW articles are
  ranked; when more matched, the page says so (`Results.more`) and the
  older body matches are not shown.
- Any query is safe: it is cut to MAX_QUERY characters and MAX_TERMS terms,
  and each term is passed as a quoted string (never as FTS or tsquery
  syntax); a query with no terms finds nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import Float, Integer, column, delete, text

from cms.database import write_transaction
from cms.events import ArticleChanged, ContentImported
from cms.extensions import db
from cms.models import Article, ArticleStatus, SearchDocument, utcnow
from cms.models.related import (
    FTS_TABLE,
    SEARCH_TSVECTOR,
    TITLE_FTS_TABLE,
    TITLE_TSVECTOR,
)
from cms.services.related.terms import load_site_words
from cms.text import segment
from cms.text.excerpt import html_to_text
from cms.text.search_marks import highlight, snippet_text

MAX_QUERY = 100
MAX_TERMS = 8
PER_PAGE = 10
MAX_PAGE = 50
# At most WINDOW matching articles are ranked (title matches first, each
# group newest first by id: the indexes' order); MAX_PAGE pages hold them.
WINDOW = MAX_PAGE * PER_PAGE
INDEXED_FIELDS = {"created", "status", "title", "body", "tags", "excerpt"}


_ANCHOR = re.compile(r'<a class="header-anchor"[^>]*>#</a>')


def body_text(article: Article) -> str:
    """The article's text, without the headings' # anchors."""
    return html_to_text(_ANCHOR.sub("", article.body_html))


def _document_terms(article: Article) -> tuple[str, str]:
    title = " ".join(segment.search_terms(article.public_title))
    body = body_text(article)
    tags = " ".join(tag.name for tag in article.tags)
    return title, " ".join(segment.search_terms(f"{tags}\n{body}"))


def index_article(article_id: int) -> None:
    """Write one article's index row (or drop it when it is not published),
    in the caller's transaction."""
    article = db.session.get(Article, article_id)
    if article is None or article.status != ArticleStatus.PUBLISHED:
        db.session.execute(
            delete(SearchDocument).where(SearchDocument.article_id == article_id)
        )
        return
    load_site_words()
    segment.add_words([tag.name for tag in article.tags])
    title, body = _document_terms(article)
    row = db.session.get(SearchDocument, article_id)
    if row is None:
        db.session.add(
            SearchDocument(article_id=article_id, title_terms=title, body_terms=body)
        )
    elif (row.title_terms, row.body_terms) != (title, body):
        row.title_terms, row.body_terms = title, body
    db.session.flush()


def index_in_transaction(event: ArticleChanged) -> None:
    """In-transaction handler of ArticleChanged: keep the article's index row
    in step with the change (deleted articles' rows go with them)."""
    if "deleted" in event.fields:
        return
    if INDEXED_FIELDS & set(event.fields) or event.before_status != event.after_status:
        index_article(event.article_id)


def index_imported(event: ContentImported) -> None:
    """In-transaction handler of ContentImported: index the batch's articles."""
    for article_id in event.article_ids:
        index_article(article_id)


def index_missing(limit: int = 500) -> int:
    """Index up to `limit` published articles that have no index row (those
    published before the index existed); returns how many. Its own unit."""
    with write_transaction():
        ids = db.session.scalars(
            db.select(Article.id)
            .outerjoin(SearchDocument, SearchDocument.article_id == Article.id)
            .where(
                Article.status == ArticleStatus.PUBLISHED,
                SearchDocument.article_id.is_(None),
            )
            .limit(limit)
        ).all()
        for article_id in ids:
            index_article(article_id)
    return len(ids)


def reindex_all() -> int:
    """Index every published article again (after a dictionary change);
    returns how many. Call inside a write transaction."""
    db.session.execute(delete(SearchDocument))
    ids = db.session.scalars(
        db.select(Article.id).where(Article.status == ArticleStatus.PUBLISHED)
    ).all()
    for article_id in ids:
        index_article(article_id)
    return len(ids)


# -- Queries ---------------------------------------------------------------------


def query_terms(query: str) -> list[str]:
    """The distinct terms a query searches for (at most MAX_TERMS)."""
    load_site_words()
    terms = segment.search_terms(query[:MAX_QUERY])
    return list(dict.fromkeys(terms))[:MAX_TERMS]


@dataclass(frozen=True)
class Hit:
    """One found article, with its snippet (matched words in <mark>)."""

    public_id: str
    title: Markup
    snippet: Markup
    published_at: datetime | None
    view_count: int
    comment_count: int


@dataclass(frozen=True)
class Results:
    """A page of results."""

    query: str
    terms: list[str]
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    more: bool = False  # more than WINDOW matched: `total` is WINDOW

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, math.ceil(self.total / self.per_page)) if self.total else 0

    # What the pagination macro reads (as from Flask-SQLAlchemy's Pagination).
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self, **_edges: int):
        """Page numbers around the current one; None for a gap."""
        shown = {1, self.pages, *range(self.page - 2, self.page + 3)}
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if number > previous + 1:
                yield None
            yield number
            previous = number


def _fts_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Match:
    """One article of the ranked window."""

    article_id: int
    published_at: datetime | None
    in_title: bool
    relevance: float  # higher is better (BM25 negated on SQLite, ts_rank)


_WINDOW_COLUMNS = (
    column("id", Integer),
    column("published_at", Article.published_at.type),
    column("score", Float),
)


def _sqlite_rows(table: str, match: str, now: datetime, size: int) -> list:
    # CROSS JOIN keeps the FTS table as the outer loop, read newest rowid
    # first and stopped by the LIMIT: bm25 is computed for these rows only.
    weights = "10.0, 1.0" if table == FTS_TABLE else "1.0"
    return list(
        db.session.execute(
            text(
                f"SELECT a.id, a.published_at, bm25({table}, {weights}) "  # noqa: S608  # nosec B608  # constant table names and weights; the terms are bound
                f"FROM {table} CROSS JOIN articles a ON a.id = {table}.rowid "
                f"WHERE {table} MATCH :match AND a.status = 'published' "
                f"AND a.published_at <= :now ORDER BY {table}.rowid DESC "
                "LIMIT :size"
            ).columns(*_WINDOW_COLUMNS),
            {"match": match, "now": now, "size": size},
        )
    )


def _sqlite_window(
    terms: list[str], now: datetime, size: int, titles: bool
) -> list[_Match]:
    match = " ".join(_fts_string(t) for t in terms)  # every term: AND
    table = TITLE_FTS_TABLE if titles else FTS_TABLE
    rows = _sqlite_rows(table, match, now, size)
    return [_Match(i, when, titles, -score) for i, when, score in rows]


def _postgres_window(
    terms: list[str], now: datetime, size: int, titles: bool
) -> list[_Match]:
    query = "plainto_tsquery('simple'::regconfig, :q)"  # plain text: no syntax
    vector = TITLE_TSVECTOR if titles else SEARCH_TSVECTOR
    rows = db.session.execute(
        text(
            f"SELECT w.id, w.published_at, ts_rank({vector}, {query}) "  # noqa: S608  # nosec B608  # constant names; the query text is bound
            "FROM (SELECT a.id, a.published_at FROM search_documents d "
            "JOIN articles a ON a.id = d.article_id "
            f"WHERE {vector} @@ {query} AND a.status = 'published' "
            "AND a.published_at <= :now ORDER BY a.id DESC LIMIT :size) w "
            "JOIN search_documents d ON d.article_id = w.id"
        ).columns(*_WINDOW_COLUMNS),
        {"q": " ".join(terms), "now": now, "size": size},
    ).all()
    return [_Match(i, when, titles, float(rank)) for i, when, rank in rows]


def _window(terms: list[str], now: datetime) -> tuple[list[_Match], bool]:
    """The ranked window and whether more matched: the WINDOW newest title
    matches (every term in the title, read from the titles' own index), then
    the newest matches anywhere until WINDOW are kept. Two reads of at most
    WINDOW + 1 rows each, however many articles match."""
    finder = (
        _postgres_window if db.engine.dialect.name == "postgresql" else _sqlite_window
    )
    titled = finder(terms, now, WINDOW + 1, titles=True)
    if len(titled) > WINDOW:  # title matches fill every page
        return titled[:WINDOW], True
    seen = {m.article_id for m in titled}
    anywhere = finder(terms, now, WINDOW + 1, titles=False)
    rest = [m for m in anywhere if m.article_id not in seen]
    room = WINDOW - len(titled)
    return titled + rest[:room], len(rest) > room


def _ranked(matches: list[_Match]) -> list[int]:
    def key(m: _Match) -> tuple[bool, float, float, int]:
        when = m.published_at.timestamp() if m.published_at else 0.0
        return (not m.in_title, -round(m.relevance, 9), -when, -m.article_id)

    return [m.article_id for m in sorted(matches, key=key)]


def search(query: str, page: int = 1, per_page: int = PER_PAGE) -> Results:
    """One page of the published articles matching every term of `query`
    (see the module's guarantees). Pages past MAX_PAGE find nothing."""
    query = query.strip()
    terms = query_terms(query)
    if not terms or page > MAX_PAGE:
        return Results(query[:MAX_QUERY], terms, [], 0, page, per_page)
    matches, more = _window(terms, utcnow())
    ranked = _ranked(matches)
    ids = ranked[(page - 1) * per_page : page * per_page]
    articles = {a.id: a for a in db.session.scalars(
        db.select(Article).where(Article.id.in_(ids)))}  # fmt: skip
    hits = [_hit(articles[i], terms) for i in ids if i in articles]
    return Results(query[:MAX_QUERY], terms, hits, len(ranked), page, per_page, more)


def _hit(article: Article, terms: list[str]) -> Hit:
    return Hit(
        article.public_id,
        highlight(article.public_title, terms),
        highlight(snippet_text(body_text(article), terms), terms),
        article.published_at,
        article.view_count,
        article.comment_count,
    )
