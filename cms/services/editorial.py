"""The article workflow: every change made from the editor, each one a
revision and an audit entry, under the rules of cms.services.article_access
(a contributor never publishes, never sets the credited contributor, never
changes the owner).

Statuses: draft -> (submit) pending -> (publish) published, or (send back,
with a reason) draft again; published -> (unpublish) draft; anything ->
(trash) trash -> (restore) draft. A published article whose time is still
to come is scheduled (定时发布): readers see it when the time comes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from cms.database import write_transaction
from cms.events import ArticleChanged, emit
from cms.extensions import db
from cms.models import Article, ArticleStatus, Category, User, utcnow
from cms.services.article_access import (
    DRAFT,
    PENDING,
    PUBLISHED,
    TRASH,
    can_edit,
    can_trash,
    can_view,
)
from cms.services.article_edits import (
    MAX_BODY_LENGTH,
    ArticleEdit,
    changed_fields,
    check_edit,
    latest_revision,
    snapshot_of,
    source_url_of,
    tag_names,
)
from cms.services.articles import apply_body, apply_title, render_body
from cms.services.audit import record
from cms.services.errors import EditConflict, InvalidInput, NotAllowed, NotFound
from cms.services.media_library import usable_cover
from cms.services.related import picks as related_picks
from cms.services.revisions import (
    Snapshot,
    get_revision,
    record_revision,
)
from cms.services.taxonomy import tags_named
from cms.services.wordrules import filter_article_source

MAX_REASON_LENGTH = 500
# Session info key: articles whose cover an edit changed (see _apply).
_COVER_CHANGED = "cms_cover_changed"

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


# What a move of the workflow changes on its own (see _finish).
_WORKFLOW_FIELDS = frozenset({"status", "published_at"})


def edition_of(article: Article) -> int:
    """The version people read as 第 N 版: the number of the article's newest
    revision (1 for an article written outside the editor, before its first
    change). Not the `version` column, which counts every change for the
    lost-update check."""
    latest = latest_revision(article.id)
    return latest.number if latest is not None else 1


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
    apply_title(article, edit.title.strip())
    apply_body(article, edit.body_markdown, edit.excerpt)
    if edit.category_id is None:
        article.category = None
    else:
        category = db.session.get(Category, edit.category_id)
        if category is None:
            raise InvalidInput("所选分类不存在，请重新选择")
        article.category = category
    article.tags = tags_named(tag_names(edit.tags))
    article.allow_comments = edit.allow_comments
    article.show_tip = edit.show_tip
    if edit.set_cover and edit.cover_media_id != article.cover_media_id:
        article.cover_media_id = usable_cover(edit.cover_media_id, user)
        # Not part of a revision: _finish names it in ArticleChanged itself.
        db.session.info.setdefault(_COVER_CHANGED, set()).add(id(article))
    article.source = edit.source
    article.source_url = source_url_of(edit)
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
    state, the audit log says who changed the status from what to what, and
    ArticleChanged names the fields that differ from the last revision.

    A move of the workflow that changes nothing else (publishing a saved
    draft as it is, submitting, unpublishing, trashing, restoring) is not a
    new version of the article: the newest revision takes the new status
    and publication time and names the move in its note, so the first
    published version of a new article is 第 1 版 (see edition_of). The
    `version` column still goes up (the caller bumps it): it guards against
    lost updates and counts every change, not versions people read."""
    db.session.flush()
    previous = latest_revision(article.id)
    after = snapshot_of(article)
    before = Snapshot.of(previous) if previous else None
    fields = changed_fields(before, after)
    note = note or NOTES.get(action, action)
    if (
        previous is not None
        and old is not None
        and article.status != old
        and fields <= _WORKFLOW_FIELDS
    ):
        previous.fields = dict(after.fields)
        previous.note = f"{previous.note}，{note}"[:200]
    else:
        record_revision("article", article.id, after, user, note)
    if id(article) in db.session.info.get(_COVER_CHANGED, set()):
        db.session.info[_COVER_CHANGED].discard(id(article))
        fields = fields | {"cover"}
    emit(
        ArticleChanged(
            article.id,
            fields,
            before_status=old.value if old is not None else None,
            after_status=article.status.value,
            public_id=article.public_id,
        )
    )
    changes = {
        str(article.id): {
            "from": old.value if old is not None else None,
            "to": article.status.value,
        }
    }
    record(user, f"article-{action}", "article", [article.id], changes, reason)


# -- Writing from the editor ---------------------------------------------------


def create(
    user: User,
    edit: ArticleEdit,
    action: str = "save",
    picks: RelatedPicks | None = None,
) -> Article:
    """A new article owned by `user`, as revision 1: a draft (`save`), pending
    (`submit`) or published (`publish`, editors and admins only; at the
    edit's time or now); `picks`, its related list's pins and exclusions
    (editors and admins), stored in the same transaction. NotAllowed for a
    contributor publishing or picking; InvalidInput (related_picks.PickError for
    the picks) for a bad edit. Nothing is stored on either."""
    check_edit(edit)
    if action not in ("save", "submit", "publish"):
        raise InvalidInput("未知的操作")
    if action == "publish" and not user.is_staff:
        raise NotAllowed("投稿者不能发布文章，请提交审核")
    _check_picker(user, picks)
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
        _store_picks(article, picks)
    return article


@dataclass(frozen=True)
class RelatedPicks:
    """The editor's pins (in order) and exclusions for the article's related
    list, as public ids or article URLs."""

    pins: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()


def _check_picker(user: User, picks: RelatedPicks | None) -> None:
    if picks is not None and not user.is_staff:
        raise NotAllowed("只有编辑可以设置相关推荐")


def _store_picks(article: Article, picks: RelatedPicks | None) -> None:
    """Inside the save's transaction: a PickError rolls the save back too."""
    if picks is not None:
        db.session.flush()
        related_picks.set_overrides(article.id, picks.pins, picks.excluded)


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
        edit.cover_media_id,
        edit.set_cover,
        edit.source,
        edit.source_url,
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
    user: User,
    article_id: int,
    edit: ArticleEdit,
    version: int,
    action: str = "save",
    picks: RelatedPicks | None = None,
) -> Article:
    """Store an edit made in the editor, then do `action`: `save` (the status
    stays), `submit` (draft -> pending, the send-back reason cleared),
    `publish` (editors and admins: -> published at the edit's time, or now
    when none is given and it was not published yet) or `unpublish` (->
    draft; a contributor may take back their own pending article).

    `version` is the version the editor loaded: when the article has been
    saved since, EditConflict (with the saved state) and nothing is stored.
    Each success bumps the version and keeps one revision. NotFound /
    NotAllowed / InvalidInput as the rules say; nothing stored on any.
    `picks` (editors and admins): the related list's pins and exclusions,
    stored in the same transaction (see `create`)."""
    check_edit(edit)
    if action not in _FROM:
        raise InvalidInput("未知的操作")
    _check_picker(user, picks)
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
        _store_picks(article, picks)
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
            source=old.fields.get("source", article.source),
            source_url=old.fields.get("source_url", article.source_url),
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


def preview_html(markdown: str, article_id: int | None = None) -> str:
    """The HTML the public page would show for this Markdown (the same
    renderer, through the word rules with the article's exemptions);
    nothing is stored."""
    if len(markdown) > MAX_BODY_LENGTH:
        raise InvalidInput(f"正文最多 {MAX_BODY_LENGTH} 个字符")
    return render_body(filter_article_source(article_id, markdown).text)
