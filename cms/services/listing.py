"""Paging the readers' lists (home, category, tag, author) at any size.

- The number of articles a list holds (its "共 N 篇" and its page count) is
  kept per process rather than counted on every request. Every article or
  taxonomy change bumps one number in the database, in the change's transaction
  (`bump_lists_version`, lists_version); a kept count is used only while
  that number is unchanged (one primary-key read a list page) and for at
  most LIST_COUNT_SECONDS (60: a scheduled article appears by itself, with
  no change to announce it). So every worker and server drops its counts
  when anything changed. The articles shown are always exact.
- Page numbers go up to LIST_MAX_PAGES (100): OFFSET then walks at most
  that many pages of an index. Past it the list goes on by keyset
  (`?before=<public_id>`: the articles older than that one), which costs
  the same however deep, so no page scans the list.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Integer, Select, and_, bindparam, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from cms.database import read_rows
from cms.extensions import db
from cms.models import Article, ListsVersion, utcnow
from cms.services.cards import Card, card_select, read_cards
from cms.services.errors import NotFound

DEFAULT_MAX_PAGES = 100
DEFAULT_COUNT_SECONDS = 60.0
DEFERRED_JOIN_FROM = 100  # rows skipped
# A tag on more articles than this is listed by walking the articles' index
# (cms.services.articles.with_tag).
MANY_TAGGED = 2000


class _Counts:
    """Kept list sizes of one app in this process:
    key -> (count, lists version counted under, until)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[tuple, tuple[int, int, float]] = {}

    def get(self, key: tuple, count: Callable[[], int], seconds: float) -> int:
        if seconds <= 0:
            return count()
        now = time.monotonic()
        version = lists_version()  # read before counting: a change after it
        with self.lock:  # makes the next request count again
            kept = self.values.get(key)
        if kept is not None and kept[1] == version and kept[2] > now:
            return kept[0]
        value = count()
        with self.lock:
            self.values[key] = (value, version, now + seconds)
        return value

    def clear(self) -> None:
        with self.lock:
            self.values.clear()


def _counts() -> _Counts:
    app: Any = current_app
    counts = app.extensions.get("cms_list_counts")
    if counts is None:
        counts = app.extensions.setdefault("cms_list_counts", _Counts())
    return counts


def lists_version() -> int:
    """The current lists version (0 before the first change)."""
    rows = read_rows(_lists_version_query())
    return rows[0][0] if rows else 0


@lru_cache(maxsize=1)
def _lists_version_query() -> Select:
    # Built once: every list page reads it (building a select, and the cache
    # key SQLAlchemy computes for a new one, cost more than running it).
    return select(ListsVersion.version).where(ListsVersion.id == 1)


def bump_lists_version(_event: object = None) -> None:
    """In-transaction handler of ArticleChanged and TaxonomyChanged: every
    kept list size, in every process, is stale once this commits. One atomic
    UPDATE of one row (the row is created when missing)."""
    if _bump():
        return
    try:
        with db.session.begin_nested():
            db.session.add(ListsVersion(id=1, version=1))
    except IntegrityError:  # another transaction created it first
        _bump()


def _bump() -> int:
    result: CursorResult = db.session.execute(  # type: ignore[assignment]
        update(ListsVersion)
        .where(ListsVersion.id == 1)
        .values(version=ListsVersion.version + 1)
    )
    return result.rowcount


class ListPage(SelectPagination):
    """A numbered page of a list (Flask-SQLAlchemy's pagination, so the
    templates' macro works unchanged), with the kept count and the page
    numbers capped at `max_pages`; `older_cursor` is the keyset link to the
    articles after the last numbered page (None when there are none)."""

    keyset = False

    def __init__(self, *, count_key: tuple, max_pages: int, **kwargs: Any) -> None:
        self.count_key = count_key
        self.max_pages = max_pages
        super().__init__(**kwargs)
        self.older_cursor: str | None = None
        more = (self.total or 0) > self.page * self.per_page
        if self.page == self.max_pages and more and self.items:
            self.older_cursor = self.items[-1].public_id

    def _query_items(self) -> list[Any]:
        """The page's cards (cms.services.cards). The first pages: one
        statement, its LIMIT and OFFSET bound (see `_paged`). Past them, the
        ids are found first (OFFSET over the index alone), then only the
        page's rows are read."""
        query: Select = self._query_args["select"]
        if self._query_offset < DEFERRED_JOIN_FROM:
            limits = {"per_page": self.per_page, "offset": self._query_offset}
            return read_cards(_paged(card_select(query)), limits)
        ids = [
            row[0]
            for row in db.session.execute(
                query.with_only_columns(Article.id)
                .limit(self.per_page)
                .offset(self._query_offset)
            )
        ]
        if not ids:
            return []
        return read_cards(card_select(query.where(Article.id.in_(ids))))

    def _query_count(self) -> int:
        seconds = float(
            current_app.config.get("LIST_COUNT_SECONDS", DEFAULT_COUNT_SECONDS)
        )
        return _counts().get(self.count_key, super()._query_count, seconds)

    @property
    def pages(self) -> int:
        return min(super().pages, self.max_pages)


_PAGED: weakref.WeakKeyDictionary[Select, Select] = weakref.WeakKeyDictionary()


def _paged(query: Select) -> Select:
    """`query` with its LIMIT and OFFSET as bound values, made once per query
    object: the home page's query is built once per process, and a new
    statement per page number made SQLAlchemy compute its cache key (a walk
    of the whole statement) on every request. Rendered into the SQL as
    numbers (literal_execute), as a LIMIT written in place would be, so the
    database plans each page as before."""
    paged = _PAGED.get(query)
    if paged is None:
        paged = _PAGED[query] = query.limit(
            bindparam("per_page", type_=Integer, literal_execute=True)
        ).offset(bindparam("offset", type_=Integer, literal_execute=True))
    return paged


class KeysetPage:
    """The articles older than the cursor's, `per_page` of them; no page
    number and no total (none is counted); `older_cursor` continues."""

    keyset = True
    page = 0
    pages = 1
    has_prev = has_next = False

    def __init__(self, items: list[Card], older_cursor: str | None, total: int):
        self.items = items
        self.older_cursor = older_cursor
        self.total = total


def list_size(query: Select, count_key: tuple) -> int:
    """How many articles the list `query` holds, kept as the pages keep it."""
    seconds = float(current_app.config.get("LIST_COUNT_SECONDS", DEFAULT_COUNT_SECONDS))
    return _counts().get(count_key, lambda: _count(query), seconds)


def page_of(
    query: Select, count_key: tuple, page: int, before: str | None, per_page: int
) -> ListPage | KeysetPage:
    """One page of a list of visible articles (`query`, newest first): by
    number (`page`, 1 to LIST_MAX_PAGES; NotFound past those or past the end),
    or after the article `before` (NotFound when it is not visible)."""
    max_pages = int(current_app.config.get("LIST_MAX_PAGES", DEFAULT_MAX_PAGES))
    if before:
        return _after(query, count_key, before, per_page)
    if page > max_pages:
        raise NotFound(f"page {page}")
    return ListPage(
        select=query, session=db.session(), page=page, per_page=per_page,
        max_per_page=50, error_out=True, count_key=count_key, max_pages=max_pages,
    )  # fmt: skip


def _after(query: Select, count_key: tuple, before: str, per_page: int) -> KeysetPage:
    cursor = db.session.execute(
        select(Article.published_at, Article.id).where(
            Article.public_id == before, Article.visible(utcnow())
        )
    ).first()
    if cursor is None:
        raise NotFound(before)
    at, key = cursor
    older_than = or_(
        Article.published_at < at,
        and_(Article.published_at == at, Article.id < key),
    )
    rows = read_cards(card_select(query.where(older_than).limit(per_page + 1)))
    items = rows[:per_page]
    older = items[-1].public_id if len(rows) > per_page else None
    return KeysetPage(items, older, list_size(query, count_key))


def _count(query: Select) -> int:
    from sqlalchemy import func
    from sqlalchemy.orm import lazyload

    sub = query.options(lazyload("*")).order_by(None).subquery()
    return db.session.execute(select(func.count()).select_from(sub)).scalar() or 0
