"""Finding pages, never changing them: the published ones readers may see
(by slug, with breadcrumbs and children), any page by id for the editors, how
many pages each status holds, and the page tree.

Every function here only reads (no write transaction, no audit entry, no
revision); drafts and trashed pages reach readers through none of the
`published_*` functions. The writing side is cms.services.pages.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Page, PageStatus
from cms.services.errors import NotFound


class PageLink(NamedTuple):
    """Enough of a page to link to it (breadcrumbs)."""

    title: str
    slug: str


def published_pages() -> list[Page]:
    """Every published page, by position then title."""
    query = (
        select(Page)
        .where(Page.status == PageStatus.PUBLISHED)
        .order_by(Page.position, Page.title, Page.id)
    )
    return list(db.session.scalars(query))


def get_published(slug: str) -> Page:
    """The published page with this slug, or NotFound (drafts and trashed
    pages are not found)."""
    page = db.session.scalar(
        select(Page).where(Page.slug == slug, Page.status == PageStatus.PUBLISHED)
    )
    if page is None:
        raise NotFound(slug)
    return page


def get_page(page_id: int) -> Page:
    """Any page by id (for the editors), or NotFound."""
    page = db.session.get(Page, page_id)
    if page is None:
        raise NotFound(f"page {page_id}")
    return page


def breadcrumbs(page: Page) -> list[PageLink]:
    """The page's published ancestors, the top one first (an unpublished
    ancestor is left out, the ones above it still shown). One query."""
    rows = {
        row.id: row
        for row in db.session.execute(
            select(Page.id, Page.parent_id, Page.title, Page.slug, Page.status)
        )
    }
    trail: list[PageLink] = []
    seen = {page.id}
    parent_id = page.parent_id
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        row = rows.get(parent_id)
        if row is None:
            break
        if row.status == PageStatus.PUBLISHED:
            trail.append(PageLink(row.title, row.slug))
        parent_id = row.parent_id
    return trail[::-1]


def published_children(page: Page) -> list[Page]:
    """The page's published children, by position then title."""
    query = (
        select(Page)
        .where(Page.parent_id == page.id, Page.status == PageStatus.PUBLISHED)
        .order_by(Page.position, Page.title, Page.id)
    )
    return list(db.session.scalars(query))


def status_counts() -> dict[PageStatus, int]:
    """How many pages each status holds (one grouped query)."""
    counts = dict.fromkeys(PageStatus, 0)
    query = select(Page.status, func.count(Page.id)).group_by(Page.status)
    for status, count in db.session.execute(query):
        counts[PageStatus(status)] = count
    return counts


def page_tree(statuses: tuple[PageStatus, ...] | None = None) -> list[tuple[Page, int]]:
    """(page, depth) in tree order: each page followed by its children (by
    position, then title). With `statuses`, only those pages; a page whose
    parent is not among them starts a branch of its own."""
    query = select(Page).order_by(Page.position, Page.title, Page.id)
    if statuses:
        query = query.where(Page.status.in_(statuses))
    pages = list(db.session.scalars(query))
    present = {page.id for page in pages}
    children: dict[int | None, list[Page]] = {}
    for page in pages:
        parent = page.parent_id if page.parent_id in present else None
        children.setdefault(parent, []).append(page)
    ordered: list[tuple[Page, int]] = []
    placed: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for page in children.get(parent_id, []):
            if page.id not in placed:
                placed.add(page.id)
                ordered.append((page, depth))
                walk(page.id, depth + 1)

    walk(None, 0)
    # A cycle stored by other means has no root: show its pages at the top.
    ordered += [(page, 0) for page in pages if page.id not in placed]
    return ordered


def descendants_of(page_id: int) -> set[int]:
    """Ids of every page below `page_id`, at any depth (one query)."""
    children: dict[int | None, list[int]] = {}
    for pid, parent_id in db.session.execute(select(Page.id, Page.parent_id)):
        children.setdefault(parent_id, []).append(pid)
    found: set[int] = set()
    queue = [page_id]
    while queue:
        for child in children.get(queue.pop(), []):
            if child not in found and child != page_id:
                found.add(child)
                queue.append(child)
    return found
