"""The one path every change of an article takes (cms.services.editorial
and cms.services.article_workflow decide which changes are allowed; this
module makes them).

Guarantees, for a change made between `locked` and `finish` in one write
transaction: the article's row is locked (PostgreSQL; SQLite's BEGIN
IMMEDIATE already serialises writers) and re-read, so a version check and
the save that follows cannot interleave with another save; an article
written outside the editor first gets its state as found kept as revision 1
(BASELINE), so every change can be compared and undone; `check_version`
refuses a save based on an older version (EditConflict with the saved
state); `finish` keeps one revision of the new state (or folds a pure
workflow move into the newest one), writes the audit entry and announces
ArticleChanged with the fields that differ from the last revision.
"""

from __future__ import annotations

from sqlalchemy import select

from cms.events import ArticleChanged, emit
from cms.extensions import db
from cms.models import Article, ArticleStatus, Category, User, utcnow
from cms.services.article_access import PENDING, PUBLISHED, can_view
from cms.services.article_edits import (
    ArticleEdit,
    changed_fields,
    latest_revision,
    snapshot_of,
    source_url_of,
    tag_names,
)
from cms.services.article_writing import apply_body, apply_title
from cms.services.audit import record
from cms.services.errors import EditConflict, InvalidInput, NotFound
from cms.services.media_library import usable_cover
from cms.services.revisions import Snapshot, record_revision
from cms.services.taxonomy import tags_named

# Session info key: articles whose cover an edit changed (see apply_edit).
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


# What a move of the workflow changes on its own (see finish).
_WORKFLOW_FIELDS = frozenset({"status", "published_at"})


def edition_of(article: Article) -> int:
    """The version people read as 第 N 版: the number of the article's newest
    revision (1 for an article written outside the editor, before its first
    change). Not the `version` column, which counts every change for the
    lost-update check."""
    latest = latest_revision(article.id)
    return latest.number if latest is not None else 1


def locked(user: User, article_id: int) -> Article:
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


def check_version(article: Article, version: int | None) -> None:
    """EditConflict (with the saved state) when the editor loaded another
    version than the article's; None checks nothing."""
    if version is not None and version != article.version:
        raise EditConflict(snapshot_of(article), article.version)


def apply_edit(user: User, article: Article, edit: ArticleEdit) -> None:
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
        # Not part of a revision: finish names it in ArticleChanged itself.
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


def finish(
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


def move(article: Article, status: ArticleStatus) -> None:
    """Set the status. Publishing keeps the time apply_edit put there, or takes
    now when there is none; publishing and submitting clear a send-back
    reason."""
    if status == PUBLISHED and article.published_at is None:
        article.published_at = utcnow()
    if status in (PENDING, PUBLISHED):
        article.review_note = ""
    article.status = status
