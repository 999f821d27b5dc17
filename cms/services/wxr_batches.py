"""Writing a WXR import in batches: articles, pages and their comments, a
few thousand rows a transaction (cms.services.import_store: one event of each
kind a batch).

Guarantees: an item already imported from the same source site (its key in
ImportKey) is counted as unchanged and not written again; a page gets a
slug no other page has (`-2`, `-3` … appended); a page's parent is linked
by `resolve_parents` at the end of the import, when every page is there
(one whose parent is not in the file stays at the top, noted); what a
flushed batch wrote stays written when a later one fails.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update

from cms.database import write_transaction
from cms.events import IMPORT, CommentsChanged, ContentImported, emit
from cms.extensions import db
from cms.models import Page
from cms.services import import_store
from cms.services.imports import NewArticle
from cms.services.wxr_items import NewPage
from cms.services.wxr_terms import ImportState, author_id, resolve_refs

BATCH_ROWS = 2000  # articles + comments written per transaction


class Batch:
    """Articles waiting to be written, and pages (written at once: few)."""

    def __init__(self, state: ImportState) -> None:
        self.state = state
        self.articles: list[NewArticle] = []
        self.pages: list[NewPage] = []
        self.rows = 0
        self.pending_parents: list[tuple[int, str]] = []

    def add(self, article: NewArticle) -> None:
        self.articles.append(article)
        self._grow(1 + len(article.comments))

    def add_page(self, page: NewPage) -> None:
        self.pages.append(page)
        self._grow(1 + len(page.comments))

    def _grow(self, rows: int) -> None:
        """Count the rows just added; write the batch once it is full."""
        self.rows += rows
        if self.rows >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.articles and not self.pages:
            return
        state = self.state
        with write_transaction():
            page_ids = _write_pages(state, self.pages, self)
            if page_ids:
                emit(ContentImported(page_ids=tuple(page_ids)))
            known = import_store.known_keys(
                state.source, "post", [a.key for a in self.articles]
            )
            fresh = [a for a in self.articles if a.key not in known]
            for article in fresh:
                resolve_refs(article, state)
            state.summary.unchanged["文章"] += len(self.articles) - len(fresh)
            import_store.write_articles(state.source, fresh, state.summary)
            state.summary.imported["文章"] += len(fresh)
        self.articles, self.pages, self.rows = [], [], 0


def _write_pages(state: ImportState, pages: list[NewPage], batch: Batch) -> list[int]:
    """Write the batch's new pages (in its transaction); parents are linked
    at the end of the import, when every page is there."""
    known = import_store.known_keys(state.source, "page", [p.key for p in pages])
    fresh = [p for p in pages if p.key not in known]
    state.summary.unchanged["页面"] += len(pages) - len(fresh)
    if not fresh:
        return []
    taken = import_store.existing_pairs(
        Page, Page.slug, [p.values["slug"] for p in fresh]
    )
    for page in fresh:
        slug, n = page.values["slug"], 2
        base = slug
        while slug in taken or db.session.scalar(
            select(Page.id).where(Page.slug == slug)
        ):
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        page.values["slug"] = slug
        page.values["owner_id"] = author_id(state, page.creator)
    ids = list(
        db.session.scalars(
            insert(Page).returning(Page.id, sort_by_parameter_order=True),
            [p.values for p in fresh],
        )
    )
    import_store.remember_keys(
        state.source, "page", [(p.key, i) for p, i in zip(fresh, ids, strict=True)]
    )
    import_store.remember_links(
        (link, None, page_id)
        for page, page_id in zip(fresh, ids, strict=True)
        for link in page.links
    )
    for page, page_id in zip(fresh, ids, strict=True):
        if page.parent and page.parent != "0":
            batch.pending_parents.append((page_id, page.parent))
    state.summary.imported["页面"] += len(fresh)
    moves = import_store.write_comments(
        "page_id",
        [(page_id, page.comments) for page, page_id in zip(fresh, ids, strict=True)],
        state.summary,
    )
    if moves:
        emit(CommentsChanged.of_moves(moves, origin=IMPORT))
    return ids


def resolve_parents(state: ImportState, batch: Batch) -> None:
    if not batch.pending_parents:
        return
    with write_transaction():
        known = import_store.known_keys(
            state.source, "page", [p for _, p in batch.pending_parents]
        )
        for page_id, parent in batch.pending_parents:
            if parent in known:
                db.session.execute(
                    update(Page)
                    .where(Page.id == page_id)
                    .values(parent_id=known[parent])
                )
            else:
                state.summary.notes["页面的上级页面不在文件中，作为顶层页面导入"] += 1
        emit(ContentImported(page_ids=tuple(p for p, _ in batch.pending_parents)))
