"""Standalone pages (关于我们, 联系我们 …): writing them, with a revision and an
audit entry for every change. Finding them (for readers and for the editors'
lists) is cms.services.page_queries.

Only editors and admins write pages: every writing function takes the acting
user and raises NotAllowed for any other role. `actor=None` means the system
itself (seed-demo, imports); it then needs an explicit `owner` to create.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from cms.database import write_transaction
from cms.events import CommentMove, CommentsChanged, PageChanged, emit
from cms.extensions import db
from cms.models import Comment, Page, PageStatus, Role, User
from cms.services import audit
from cms.services.articles import render_body
from cms.services.errors import (
    EditConflict,
    FieldError,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from cms.services.page_queries import descendants_of, get_page
from cms.services.revisions import (
    Snapshot,
    forget_revisions,
    get_revision,
    record_revision,
)
from cms.text.excerpt import derive_excerpt
from cms.text.slug import slugify

MAX_TITLE_LENGTH = 200
MAX_SLUG_LENGTH = 200
MAX_POSITION = 9999
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
STAFF = frozenset({Role.ADMIN, Role.EDITOR})


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


def _require_staff(actor: User | None) -> None:
    if actor is not None and actor.role not in STAFF:
        raise NotAllowed("只有编辑和管理员可以管理页面")


def _slug_taken(slug: str, page_id: int | None) -> Page | None:
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
        while _slug_taken(slug, page_id) is not None:
            slug, n = f"{base}-{n}", n + 1
        return slug
    if len(slug) > MAX_SLUG_LENGTH:
        raise FieldError("slug", f"网址别名最多 {MAX_SLUG_LENGTH} 个字符")
    if not SLUG_PATTERN.fullmatch(slug):
        raise FieldError(
            "slug",
            "网址别名只能包含小写字母、数字和连字符（-），且不能以连字符开头或结尾",
        )
    other = _slug_taken(slug, page_id)
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


def _apply(page: Page, data: PageInput) -> None:
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


def _locked(page_id: int) -> Page:
    """The page, read inside the write transaction (row locked on
    PostgreSQL; SQLite's write lock is already held), fresh from the database."""
    page = db.session.scalar(
        select(Page)
        .where(Page.id == page_id)
        .with_for_update(of=Page)
        .execution_options(populate_existing=True)
    )
    if page is None:
        raise NotFound(f"page {page_id}")
    return page


def _check_version(page: Page, version: int | None) -> None:
    if version is not None and page.version != version:
        raise EditConflict(
            snapshot_of(page), page.version, "这个页面已被他人修改，请对比后再保存"
        )


def _field_changes(before: Snapshot, after: Snapshot) -> dict[str, Any]:
    keys = ["title"] + sorted(after.fields)
    old = {"title": before.title} | before.fields
    new = {"title": after.title} | after.fields
    changed = [key for key in keys if old.get(key) != new.get(key)]
    if before.body_markdown != after.body_markdown:
        changed.append("body")
    return {
        "from": {k: old.get(k) for k in changed if k != "body"},
        "to": {k: new.get(k) for k in changed if k != "body"},
        "changed": changed,
    }


# -- writing -------------------------------------------------------------------


def create_page(
    data: PageInput,
    actor: User | None,
    owner: User | None = None,
    publish: bool = False,
) -> Page:
    """Store a new page (a draft, or published with `publish`), owned by
    `owner` or else the actor, with revision 1 and an audit entry.
    InvalidInput (nothing stored) for an empty or too long title, a bad or
    taken slug, a missing parent."""
    _require_staff(actor)
    owner = owner or actor
    if owner is None:
        raise InvalidInput("页面需要一个所有者")
    with write_transaction():
        page = Page(owner_id=owner.id, version=1, title="", slug="")
        page.status = PageStatus.PUBLISHED if publish else PageStatus.DRAFT
        _apply(page, data)
        db.session.add(page)
        db.session.flush()
        db.session.expire(page, ["parent"])
        after = snapshot_of(page)
        record_revision("page", page.id, after, actor, "发布" if publish else "新建")
        audit.record(
            actor, "page-create", "page", [page.id],
            {str(page.id): {"from": None, "to": page.status.value},
             "title": page.title, "slug": page.slug},
        )  # fmt: skip
        emit(PageChanged(page.id, frozenset({"created"})))
    return page


def _write(
    page_id: int,
    actor: User | None,
    action: str,
    note: str,
    data: PageInput | None = None,
    version: int | None = None,
    status: PageStatus | None = None,
    allowed_from: tuple[PageStatus, ...] | None = None,
) -> Page:
    """One change of a page: the version check, the new content and/or
    status, version + 1, a revision and an audit entry, in one transaction."""
    _require_staff(actor)
    with write_transaction():
        page = _locked(page_id)
        _check_version(page, version)
        if allowed_from is not None and page.status not in allowed_from:
            raise InvalidInput("这个页面当前的状态不能这样操作")
        before = snapshot_of(page)
        if data is not None:
            _apply(page, data)
        if status is not None:
            page.status = status
        page.version += 1
        db.session.flush()
        db.session.expire(page, ["parent"])
        after = snapshot_of(page)
        record_revision("page", page.id, after, actor, note)
        changes: dict[str, Any] = {
            str(page.id): {"from": before.fields["status"], "to": page.status.value}
        }
        if data is not None:
            changes["fields"] = _field_changes(before, after)
        audit.record(actor, action, "page", [page.id], changes)
        emit(PageChanged(page.id, frozenset(changes.get("fields", {})) | {"status"}))
    return page


def save_page(
    page_id: int,
    actor: User | None,
    data: PageInput,
    version: int | None = None,
) -> Page:
    """Save an edit, keeping the status. EditConflict (nothing stored) when
    `version` is not the page's current one; InvalidInput as create_page."""
    return _write(page_id, actor, "page-save", "保存", data, version)


def publish_page(
    page_id: int,
    actor: User | None,
    data: PageInput | None = None,
    version: int | None = None,
) -> Page:
    """Save the edit (if given) and publish the page (a published page is
    updated). A trashed page must be restored first."""
    return _write(
        page_id, actor, "page-publish", "发布", data, version,
        PageStatus.PUBLISHED, (PageStatus.DRAFT, PageStatus.PUBLISHED),
    )  # fmt: skip


def unpublish_page(
    page_id: int,
    actor: User | None,
    data: PageInput | None = None,
    version: int | None = None,
) -> Page:
    """Save the edit (if given) and take the page back to a draft."""
    return _write(
        page_id, actor, "page-unpublish", "撤回为草稿", data, version,
        PageStatus.DRAFT, (PageStatus.DRAFT, PageStatus.PUBLISHED),
    )  # fmt: skip


def trash_page(page_id: int, actor: User | None) -> Page:
    """Move a draft or published page to the trash (readers no longer see it;
    menu links to it are hidden)."""
    return _write(
        page_id, actor, "page-trash", "移到回收站", status=PageStatus.TRASH,
        allowed_from=(PageStatus.DRAFT, PageStatus.PUBLISHED),
    )  # fmt: skip


def restore_page(page_id: int, actor: User | None) -> Page:
    """Bring a trashed page back, as a draft."""
    return _write(
        page_id, actor, "page-restore", "从回收站恢复", status=PageStatus.DRAFT,
        allowed_from=(PageStatus.TRASH,),
    )  # fmt: skip


def _delete_comments(page_id: int) -> None:
    """Delete the page's comments, announced (the status tallies follow)."""
    gone = db.session.execute(
        select(Comment.id, Comment.status)
        .where(Comment.page_id == page_id)
        .order_by(Comment.id)
        .with_for_update()
    ).all()
    if not gone:
        return
    db.session.execute(
        delete(Comment).where(Comment.page_id == page_id),
        execution_options={"synchronize_session": False},
    )
    moves = [CommentMove(i, None, status.value, None, page_id) for i, status in gone]
    emit(CommentsChanged.of_moves(moves))


def delete_page(page_id: int, actor: User | None) -> None:
    """Delete a page in the trash for good, with its revisions, its comments
    and the menu links to it; its children move up to its parent.
    InvalidInput for a page not in the trash."""
    _require_staff(actor)
    with write_transaction():
        page = _locked(page_id)
        if page.status != PageStatus.TRASH:
            raise InvalidInput("只能永久删除回收站里的页面")
        children = list(
            db.session.scalars(select(Page).where(Page.parent_id == page.id))
        )
        for child in children:
            child.parent_id = page.parent_id
        audit.record(
            actor, "page-delete", "page", [page.id],
            {str(page.id): {"from": page.status.value, "to": None},
             "title": page.title, "slug": page.slug,
             "children_moved": sorted(child.id for child in children)},
        )  # fmt: skip
        forget_revisions("page", page.id)
        _delete_comments(page.id)
        db.session.flush()
        db.session.delete(page)
        emit(PageChanged(page_id, frozenset({"deleted"})))


def restore_revision(page_id: int, number: int, actor: User | None) -> Page:
    """Bring back revision `number`'s title, text, slug, parent, position
    and whether it allows comments as a new revision ("恢复到第 N 版"); the
    status stays as it is. A slug now used by another page, or a parent that
    is gone or would make a cycle, is left as it is now. NotFound for an
    unknown revision."""
    _require_staff(actor)
    old = Snapshot.of(get_revision("page", page_id, number))
    page = get_page(page_id)
    slug = old.fields.get("slug") or page.slug
    if _slug_taken(slug, page_id) is not None or not SLUG_PATTERN.fullmatch(slug):
        slug = page.slug
    parent_id = old.fields.get("parent_id")
    if parent_id is not None and (
        db.session.get(Page, parent_id) is None
        or parent_id == page_id
        or parent_id in descendants_of(page_id)
    ):
        parent_id = page.parent_id
    data = PageInput(
        title=old.title, body_markdown=old.body_markdown, slug=slug,
        parent_id=parent_id, position=int(old.fields.get("position") or 0),
        allow_comments=bool(old.fields.get("allow_comments", page.allow_comments)),
    )  # fmt: skip
    return _write(
        page_id, actor, "page-revision-restore", f"恢复到第 {number} 版", data
    )
