"""Stored renditions brought up to date: after an upgrade of the renderer
(footnotes, task lists, the table of contents, code highlighting …),
articles and pages stored before it keep their old HTML until saved again;
`rerender_all()` renders every one again from its source.

Guarantees: the sources (Markdown or imported HTML, excerpts) are never
changed, only the HTML and summary readers get (with what an article
stores derived from its HTML: reading time, table of contents; also when
only the rule deriving them changed), exactly as a save would
make them now (cms.services.article_writing.rerender_article: the body_format's
renderer, the word rules of the `articles` scope with each article's
exemptions; cms.services.page_edits.rerender_page); `updated_at` stays (a new
rendition is not an edit by anyone). The work goes in batches, each its
own write transaction, so a large site never holds the write lock long;
each changed article or page is announced (ArticleChanged / PageChanged
with "body"), so the page cache drops its pages and the indexes follow.
Running it again right after changes nothing and reports 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from cms.database import write_transaction
from cms.events import ArticleChanged, PageChanged, emit
from cms.extensions import db
from cms.models import Article, Page
from cms.services.article_writing import rerender_article
from cms.services.page_edits import rerender_page
from cms.services.wordrules import current_matcher

BATCH_SIZE = 100


@dataclass(frozen=True)
class Rerendered:
    """How many articles and pages were looked at, and how many changed."""

    articles: int
    articles_changed: int
    pages: int
    pages_changed: int

    @property
    def changed(self) -> int:
        return self.articles_changed + self.pages_changed


def rerender_all(batch_size: int = BATCH_SIZE) -> Rerendered:
    """Render every article's and page's stored HTML again from its source
    with the current renderer (see the module's guarantees); returns the
    counts."""
    articles, articles_changed = _walk(Article, _article, batch_size)
    pages, pages_changed = _walk(Page, _page, batch_size)
    return Rerendered(articles, articles_changed, pages, pages_changed)


def _article(article: Article, state: dict[str, Any]) -> bool:
    if "matcher" not in state:
        state["matcher"] = current_matcher()
    fields = rerender_article(article, state["matcher"])
    if not fields:
        return False
    emit(ArticleChanged(article.id, fields, public_id=article.public_id))
    return True


def _page(page: Page, state: dict[str, Any]) -> bool:
    if not rerender_page(page):
        return False
    emit(PageChanged(page.id, frozenset({"body"})))
    return True


def _walk(
    model: type[Article] | type[Page],
    rerender: Callable[[Any, dict[str, Any]], bool],
    batch_size: int,
) -> tuple[int, int]:
    """(seen, changed) over every row of `model`, by id, `batch_size` rows
    to a write transaction."""
    seen = changed = last_id = 0
    while True:
        with write_transaction():
            rows: list[Any] = list(
                db.session.scalars(
                    select(model)
                    .where(model.id > last_id)
                    .order_by(model.id)
                    .limit(batch_size)
                )
            )
            state: dict[str, Any] = {}
            for row in rows:
                kept = row.updated_at
                if rerender(row, state):
                    row.updated_at = kept  # not an edit: the onupdate stays out
                    flag_modified(row, "updated_at")
                    changed += 1
        if not rows:
            return seen, changed
        seen += len(rows)
        last_id = rows[-1].id
