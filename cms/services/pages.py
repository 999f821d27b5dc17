"""Standalone pages (关于我们, 联系我们 …): writing them, with a revision and an
audit entry for every change. Finding them (for readers and for the editors'
lists) is cms.services.page_queries; what an edit may contain, and how it is
written into a page, is cms.services.page_edits.

Only editors and admins write pages: every writing function takes the acting
user and raises NotAllowed for any other role. `actor=None` means the system
itself (seed-demo, imports); it then needs an explicit `owner` to create.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from cms.database import write_transaction
from cms.events import CommentMove, CommentsChanged, PageChanged, emit
from cms.extensions import db
from cms.models import Comment, Page, PageStatus, Role, User
from cms.services import audit
from cms.services.errors import (
    EditConflict,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from cms.services.page_edits import (
    SLUG_PATTERN,
    PageInput,
    apply_input,
    slug_taken,
    snapshot_of,
)
from cms.services.page_queries import descendants_of, get_page
from cms.services.revisions import (
    Snapshot,
    forget_revisions,
    get_revision,
    record_revision,
)

STAFF = frozenset({Role.ADMIN, Role.EDITOR})


# -- checks --------------------------------------------------------------------


def _require_staff(actor: User | None) -> None:
    if actor is not None and actor.role not in STAFF:
        raise NotAllowed("只有编辑和管理员可以管理页面")


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
        apply_input(page, data)
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
            apply_input(page, data)
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
    if slug_taken(slug, page_id) is not None or not SLUG_PATTERN.fullmatch(slug):
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
