"""What the page editor submits (PageInput), the rules its fields must meet,
how a checked input is written into a page (rendered), and the snapshots a
revision keeps (of a stored page, or of an edit not stored yet).

Guarantees: `apply_input` raises FieldError (an InvalidInput naming the
field) unless every rule holds: a title of 1 to MAX_TITLE_LENGTH characters,
a position in range, a well-formed slug no other page uses (or a free one made
from the title), an existing parent that is neither the page nor below it.
Nothing here commits, records or emits: cms.services.pages does, in one
write transaction, which stores nothing when a rule is broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from cms.extensions import db
from cms.models import Page
from cms.services.article_writing import render_body
from cms.services.errors import FieldError
from cms.services.page_queries import descendants_of
from cms.services.revisions import Snapshot
from cms.text.excerpt import derive_excerpt
from cms.text.slug import slugify

MAX_TITLE_LENGTH = 200
MAX_SLUG_LENGTH = 200
MAX_POSITION = 9999
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class PageInput:
    """What the page editor submits. An empty `slug` means the pinyin of the
    title; `parent_id` None means a top-level page."""

    title: str
    body_markdown: str = ""
    slug: str = ""
    parent_id: int | None = None
    position: int = 0
    allow_comments: bool = False  # readers may comment (a 留言板)


# -- snapshots ----------------------------------------------------------------


def snapshot_of(page: Page) -> Snapshot:
    """The page's state as a revision keeps it."""
    return Snapshot(
        title=page.title,
        body_markdown=page.body_markdown,
        fields={
            "slug": page.slug,
            "parent_id": page.parent_id,
            "parent": page.parent.slug if page.parent is not None else None,
            "status": page.status.value,
            "position": page.position,
            "allow_comments": page.allow_comments,
        },
    )


def snapshot_of_input(data: PageInput, page: Page) -> Snapshot:
    """What an edit would make of `page` (for comparing an edit that arrived
    too late with the saved state). No rule is checked here."""
    parent = db.session.get(Page, data.parent_id) if data.parent_id else None
    return Snapshot(
        title=data.title.strip(),
        body_markdown=data.body_markdown,
        fields={
            "slug": data.slug.strip().lower() or page.slug,
            "parent_id": data.parent_id,
            "parent": parent.slug if parent is not None else None,
            "status": page.status.value,
            "position": data.position,
            "allow_comments": data.allow_comments,
        },
    )


# -- rules -------------------------------------------------------------------


def slug_taken(slug: str, page_id: int | None) -> Page | None:
    """The other page (not `page_id`) that already uses `slug`, if any."""
    query = select(Page).where(Page.slug == slug)
    if page_id is not None:
        query = query.where(Page.id != page_id)
    return db.session.scalar(query)


def _valid_slug(raw: str, title: str, page_id: int | None) -> str:
    """The slug asked for (checked), or a free one made from the title."""
    slug = raw.strip().lower()
    if not slug:
        base = slugify(title)
        slug, n = base, 2
        while slug_taken(slug, page_id) is not None:
            slug, n = f"{base}-{n}", n + 1
        return slug
    if len(slug) > MAX_SLUG_LENGTH:
        raise FieldError("slug", f"网址别名最多 {MAX_SLUG_LENGTH} 个字符")
    if not SLUG_PATTERN.fullmatch(slug):
        raise FieldError(
            "slug",
            "网址别名只能包含小写字母、数字和连字符（-），且不能以连字符开头或结尾",
        )
    other = slug_taken(slug, page_id)
    if other is not None:
        raise FieldError("slug", f"网址别名“{slug}”已被页面《{other.title}》使用")
    return slug


def _valid_parent(parent_id: int | None, page_id: int | None) -> int | None:
    if parent_id is None:
        return None
    if db.session.get(Page, parent_id) is None:
        raise FieldError("parent_id", "上级页面不存在")
    if page_id is not None and (
        parent_id == page_id or parent_id in descendants_of(page_id)
    ):
        raise FieldError("parent_id", "上级页面不能是它自己或它的下级页面")
    return parent_id


def apply_input(page: Page, data: PageInput) -> None:
    """Check `data` and write it into `page` (rendered); InvalidInput when a
    rule is broken (the caller's transaction then stores nothing)."""
    title = data.title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise FieldError("title", f"标题须为 1-{MAX_TITLE_LENGTH} 个字符")
    if not 0 <= data.position <= MAX_POSITION:
        raise FieldError("position", f"排序须为 0-{MAX_POSITION} 的整数")
    page.slug = _valid_slug(data.slug, title, page.id)
    page.parent_id = _valid_parent(data.parent_id, page.id)
    page.title = title
    page.position = data.position
    page.allow_comments = data.allow_comments
    page.body_markdown = data.body_markdown
    page.body_html = render_body(data.body_markdown, page.body_format or "markdown")
    page.summary = derive_excerpt(page.body_html)


def rerender_page(page: Page) -> bool:
    """Render the page's stored HTML and summary again from its source with
    the current renderer (its body_format's), as a save would. True when the
    rendition changed (the caller's write transaction stores it)."""
    html = render_body(page.body_markdown, page.body_format or "markdown")
    summary = derive_excerpt(html)
    if html == page.body_html and summary == page.summary:
        return False
    page.body_html = html
    page.summary = summary
    return True
