"""The article workflow: who may see and change an article, and every change
made from the editor (each one a revision and an audit entry).

Roles: editors and admins may do everything. A contributor sees only the
articles they own, changes them only while they are drafts or pending, and
never publishes, never sets the credited contributor, never changes the owner.
Another contributor's article is NotFound for them, never NotAllowed, so its
id cannot be probed.

Statuses: draft -> (submit) pending -> (publish) published, or (send back,
with a reason) draft again; published -> (unpublish) draft; anything ->
(trash) trash -> (restore) draft. A published article whose time is still
to come is scheduled (定时发布): readers see it when the time comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, Category, Revision, User, utcnow
from cms.services.articles import MAX_TITLE_LENGTH, apply_body
from cms.services.audit import record
from cms.services.errors import EditConflict, InvalidInput, NotAllowed, NotFound
from cms.services.revisions import (
    Snapshot,
    get_revision,
    record_revision,
)
from cms.services.taxonomy import tags_named

MAX_BODY_LENGTH = 200_000
MAX_EXCERPT_LENGTH = 1_000
MAX_CONTRIBUTOR_LENGTH = 100
MAX_TAGS = 20
MAX_TAG_LENGTH = 100
MAX_REASON_LENGTH = 500

DRAFT, PENDING = ArticleStatus.DRAFT, ArticleStatus.PENDING
PUBLISHED, TRASH = ArticleStatus.PUBLISHED, ArticleStatus.TRASH

# The note of the revision that keeps an article's state from before the editor.
BASELINE = "编辑器之外写入的版本"
# What each change is called in the revision list.
NOTES = {
    "create": "新建",
    "save": "保存",
    "submit": "投稿",
    "publish": "发布",
    "unpublish": "撤回为草稿",
    "send-back": "退回",
    "trash": "移到回收站",
    "restore": "从回收站恢复",
}


@dataclass(frozen=True)
class ArticleEdit:
    """What the editor submits. `contributor` None leaves the credit as it is
    (it is ignored for contributors anyway). `published_at` is aware UTC or
    None, and for editors and admins only: on a draft or pending article it
    is the planned time (None: publish now, when published); a published
    article keeps its time when it is None."""

    title: str
    body_markdown: str
    excerpt: str = ""
    category_id: int | None = None
    tags: tuple[str, ...] = ()
    contributor: str | None = None
    published_at: datetime | None = None
    allow_comments: bool = True
    show_tip: bool = True


# -- Who may do what ---------------------------------------------------------


def can_view(user: User, article: Article) -> bool:
    """Editors and admins see every article; a contributor only their own."""
    return user.is_staff or article.owner_id == user.id


def can_edit(user: User, article: Article) -> bool:
    """Editors and admins change any article not in the trash; a contributor
    only their own, and only while it is a draft or pending."""
    if article.status == TRASH or not can_view(user, article):
        return False
    return user.is_staff or article.status in (DRAFT, PENDING)


def can_trash(user: User, article: Article) -> bool:
    """Editors and admins trash any article; a contributor their own drafts."""
    if article.status == TRASH or not can_view(user, article):
        return False
    return user.is_staff or article.status == DRAFT


def article_for(user: User, article_id: int) -> Article:
    """The article, when `user` may see it; NotFound otherwise (whether it
    does not exist or belongs to another contributor)."""
    article = db.session.get(Article, article_id)
    if article is None or not can_view(user, article):
        raise NotFound(f"article {article_id}")
    return article


def is_scheduled(article: Article, now: datetime | None = None) -> bool:
    """Published with a time still to come (定时发布)."""
    return (
        article.status == PUBLISHED
        and article.published_at is not None
        and article.published_at > (now or utcnow())
    )


# -- Snapshots ---------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def snapshot_of(article: Article) -> Snapshot:
    """The article's state as a revision keeps it: the texts, and the other
    fields as JSON values (category name, sorted tag names, contributor,
    status, publication time in ISO 8601 UTC, the two switches)."""
    return Snapshot(
        article.title,
        article.body_markdown,
        article.excerpt,
        {
            "category": article.category.name if article.category else None,
            "tags": sorted(tag.name for tag in article.tags),
            "contributor": article.contributor,
            "status": article.status.value,
            "published_at": _iso(article.published_at),
            "allow_comments": article.allow_comments,
            "show_tip": article.show_tip,
        },
    )


def proposed_snapshot(user: User, article: Article, edit: ArticleEdit) -> Snapshot:
    """What `article` would become if `user` saved `edit` (status unchanged):
    for comparing an edit that arrived too late with the saved state.
    Stores nothing."""
    category = db.session.get(Category, edit.category_id) if edit.category_id else None
    fields = snapshot_of(article).fields | {
        "category": category.name if category else None,
        "tags": sorted(_tag_names(edit.tags)),
        "allow_comments": edit.allow_comments,
        "show_tip": edit.show_tip,
    }
    if user.is_staff:
        if edit.contributor is not None:
            fields["contributor"] = edit.contributor.strip()
        if edit.published_at is not None or article.status != PUBLISHED:
            fields["published_at"] = _iso(edit.published_at)
    return Snapshot(
        edit.title.strip(), edit.body_markdown, edit.excerpt.strip(), fields
    )


def latest_revision(article_id: int) -> Revision | None:
    """The article's newest revision (who saved last, and when), or None."""
    return db.session.scalar(
        select(Revision)
        .where(Revision.target_type == "article", Revision.target_id == article_id)
        .order_by(Revision.number.desc())
        .limit(1)
    )


# -- Checks ------------------------------------------------------------------


def _tag_names(names: tuple[str, ...] | list[str]) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def check_edit(edit: ArticleEdit) -> None:
    """InvalidInput (with a message for people) when the edit breaks a rule
    of shape: title 1-200 characters, lengths, tags, an aware time."""
    title = edit.title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"标题须为 1-{MAX_TITLE_LENGTH} 个字符")
    if len(edit.body_markdown) > MAX_BODY_LENGTH:
        raise InvalidInput(f"正文最多 {MAX_BODY_LENGTH} 个字符")
    if len(edit.excerpt.strip()) > MAX_EXCERPT_LENGTH:
        raise InvalidInput(f"摘要最多 {MAX_EXCERPT_LENGTH} 个字符")
    if edit.contributor and len(edit.contributor.strip()) > MAX_CONTRIBUTOR_LENGTH:
        raise InvalidInput(f"投稿人署名最多 {MAX_CONTRIBUTOR_LENGTH} 个字符")
    tags = _tag_names(edit.tags)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"标签最多 {MAX_TAGS} 个")
    if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise InvalidInput(f"每个标签最多 {MAX_TAG_LENGTH} 个字符")
    if edit.published_at is not None and edit.published_at.tzinfo is None:
        raise InvalidInput("发布时间须带时区")


def _locked(user: User, article_id: int) -> Article:
    """Inside a write transaction: the article's current row, locked on
    PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises writers), so a
    version check and the save that follows it cannot interleave with another
    save. NotFound as in article_for.

    An article written outside the editor (demo, import) has no revision
    yet: its state as found is kept first, as revision 1, so the change
    about to be made can be compared with it and undone."""
    article = db.session.scalar(
        select(Article)
        .where(Article.id == article_id)
        .with_for_update(of=Article)
        .execution_options(populate_existing=True)
    )
    if article is None or not can_view(user, article):
        raise NotFound(f"article {article_id}")
    if latest_revision(article.id) is None:
        record_revision("article", article.id, snapshot_of(article), None, BASELINE)
    return article


def _check_version(article: Article, version: int | None) -> None:
    if version is not None and version != article.version:
        raise EditConflict(snapshot_of(article), article.version)


def _apply(user: User, article: Article, edit: ArticleEdit) -> None:
    """Put the edit's texts and fields on the article (rendered by apply_body).
    The credit and the publication time only from editors and admins."""
    article.title = edit.title.strip()
    apply_body(article, edit.body_markdown, edit.excerpt)
    if edit.category_id is None:
        article.category = None
    else:
        category = db.session.get(Category, edit.category_id)
        if category is None:
            raise InvalidInput("所选分类不存在，请重新选择")
        article.category = category
    article.tags = tags_named(_tag_names(edit.tags))
    article.allow_comments = edit.allow_comments
    article.show_tip = edit.show_tip
    if user.is_staff:
        if edit.contributor is not None:
            article.contributor = edit.contributor.strip()
        # A draft's time is a plan the editor may clear; a published
        # article keeps its time unless a new one is given.
        if edit.published_at is not None or article.status != PUBLISHED:
            article.published_at = edit.published_at


def _finish(
    user: User,
    article: Article,
    action: str,
    old: ArticleStatus | None,
    reason: str = "",
    note: str = "",
) -> None:
    """Every change ends here: the version goes up, a revision keeps the new
    state and the audit log says who changed the status from what to what."""
    db.session.flush()
    record_revision(
        "article",
        article.id,
        snapshot_of(article),
        user,
        note or NOTES.get(action, action),
    )
    changes = {
        str(article.id): {
            "from": old.value if old is not None else None,
            "to": article.status.value,
        }
    }
    record(user, f"article-{action}", "article", [article.id], changes, reason)


# -- Writing from the editor ---------------------------------------------------


def create(user: User, edit: ArticleEdit, action: str = "save") -> Article:
    """A new article owned by `user`, as revision 1: a draft (`save`), pending
    (`submit`) or published (`publish`, editors and admins only; at the
    edit's time or now). NotAllowed for a contributor publishing;
    InvalidInput for a bad edit. Nothing is stored on either."""
    check_edit(edit)
    if action not in ("save", "submit", "publish"):
        raise InvalidInput("未知的操作")
    if action == "publish" and not user.is_staff:
        raise NotAllowed("投稿者不能发布文章，请提交审核")
    if not user.is_staff:
        edit = _without_staff_fields(edit)
    with write_transaction():
        article = Article(owner=user, title="", status=DRAFT, contributor="")
        db.session.add(article)
        _apply(user, article, edit)
        article.version = 1
        _finish(user, article, "create", None)
        if action != "save":
            old = article.status
            _move(article, PENDING if action == "submit" else PUBLISHED)
            article.version += 1
            _finish(user, article, action, old)
    return article


def _without_staff_fields(edit: ArticleEdit) -> ArticleEdit:
    return ArticleEdit(
        edit.title,
        edit.body_markdown,
        edit.excerpt,
        edit.category_id,
        edit.tags,
        None,
        None,
        edit.allow_comments,
        edit.show_tip,
    )


def _move(article: Article, status: ArticleStatus) -> None:
    """Set the status. Publishing keeps the time _apply put there, or takes
    now when there is none; publishing and submitting clear a send-back
    reason."""
    if status == PUBLISHED and article.published_at is None:
        article.published_at = utcnow()
    if status in (PENDING, PUBLISHED):
        article.review_note = ""
    article.status = status


# Which statuses each editor action starts from, and where it leads
# (None: the status stays).
_FROM = {
    "save": (None, {DRAFT, PENDING, PUBLISHED}),
    "submit": (PENDING, {DRAFT, PENDING}),
    "publish": (PUBLISHED, {DRAFT, PENDING, PUBLISHED}),
    "unpublish": (DRAFT, {PENDING, PUBLISHED}),
}


def save(
    user: User, article_id: int, edit: ArticleEdit, version: int, action: str = "save"
) -> Article:
    """Store an edit made in the editor, then do `action`: `save` (the status
    stays), `submit` (draft -> pending, the send-back reason cleared),
    `publish` (editors and admins: -> published at the edit's time, or now
    when none is given and it was not published yet) or `unpublish` (->
    draft; a contributor may take back their own pending article).

    `version` is the version the editor loaded: when the article has been
    saved since, EditConflict (with the saved state) and nothing is stored.
    Each success bumps the version and keeps one revision. NotFound /
    NotAllowed / InvalidInput as the rules say; nothing stored on any."""
    check_edit(edit)
    if action not in _FROM:
        raise InvalidInput("未知的操作")
    target, sources = _FROM[action]
    with write_transaction():
        article = _locked(user, article_id)
        if not can_edit(user, article):
            raise NotAllowed("你不能修改这篇文章")
        if action == "publish" and not user.is_staff:
            raise NotAllowed("投稿者不能发布文章，请提交审核")
        if action == "unpublish" and not user.is_staff and article.status != PENDING:
            raise NotAllowed("你不能撤回这篇文章")
        if article.status not in sources:
            raise InvalidInput("文章当前的状态不能这样操作")
        _check_version(article, version)
        old = article.status
        _apply(user, article, edit)
        if target is not None:
            _move(article, target)
        article.version += 1
        _finish(user, article, action, old)
    return article


# -- Workflow buttons outside the editor form ----------------------------------


def send_back(user: User, article_id: int, reason: str) -> Article:
    """An editor returns a pending article to its writer: -> draft, with the
    reason kept on the article (the contributor sees it) and in the audit
    entry. InvalidInput without a reason; NotAllowed for contributors."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写退回原因")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"退回原因最多 {MAX_REASON_LENGTH} 个字符")
    with write_transaction():
        article = _locked(user, article_id)
        if not user.is_staff:
            raise NotAllowed("只有编辑可以退回投稿")
        if article.status != PENDING:
            raise InvalidInput("只有待审的文章可以退回")
        article.status = DRAFT
        article.review_note = reason
        article.version += 1
        _finish(user, article, "send-back", PENDING, reason=reason)
    return article


def trash(user: User, article_id: int) -> Article:
    """Move an article to the trash (readers no longer see it): editors and
    admins any article, a contributor their own drafts."""
    with write_transaction():
        article = _locked(user, article_id)
        if not can_trash(user, article):
            raise NotAllowed("你不能把这篇文章移到回收站")
        old = article.status
        article.status = TRASH
        article.version += 1
        _finish(user, article, "trash", old)
    return article


def restore(user: User, article_id: int) -> Article:
    """Bring an article back from the trash, as a draft (editors and admins;
    a contributor their own)."""
    with write_transaction():
        article = _locked(user, article_id)
        if article.status != TRASH:
            raise InvalidInput("这篇文章不在回收站里")
        article.status = DRAFT
        article.version += 1
        _finish(user, article, "restore", TRASH)
    return article


def restore_revision(user: User, article_id: int, number: int) -> Article:
    """Editors and admins: put revision `number`'s texts and fields back
    (category by name when it still exists, else none; tags re-created;
    credit and switches), as a new revision noted "恢复到第 N 版". Status and
    publication time stay: they change through the workflow's buttons.
    NotFound for an unknown number."""
    if not user.is_staff:
        raise NotAllowed("只有编辑可以恢复历史版本")
    with write_transaction():
        article = _locked(user, article_id)
        if not can_edit(user, article):
            raise NotAllowed("回收站里的文章须先恢复")
        revision = get_revision("article", article.id, number)
        old = Snapshot.of(revision)
        name = old.fields.get("category")
        category = (
            db.session.scalar(select(Category).where(Category.name == name))
            if name
            else None
        )
        edit = ArticleEdit(
            title=old.title,
            body_markdown=old.body_markdown,
            excerpt=old.excerpt,
            category_id=category.id if category else None,
            tags=tuple(old.fields.get("tags") or ()),
            contributor=old.fields.get("contributor", article.contributor),
            allow_comments=old.fields.get("allow_comments", article.allow_comments),
            show_tip=old.fields.get("show_tip", article.show_tip),
            published_at=article.published_at,
        )
        _apply(user, article, edit)
        article.version += 1
        _finish(
            user,
            article,
            "revision-restore",
            article.status,
            note=f"恢复到第 {number} 版",
        )
    return article


def preview_html(markdown: str) -> str:
    """The HTML the public page would show for this Markdown: rendered by
    apply_body itself, on an article that is never stored."""
    if len(markdown) > MAX_BODY_LENGTH:
        raise InvalidInput(f"正文最多 {MAX_BODY_LENGTH} 个字符")
    scratch = Article()
    apply_body(scratch, markdown)
    return scratch.body_html
