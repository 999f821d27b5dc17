"""The article workflow's buttons outside the editor form: send back (with
a reason), trash, restore from the trash, and restore an old revision.

Statuses: pending -> (send back, with a reason) draft; anything -> (trash)
trash -> (restore) draft. Every use case here checks who may do it
(cms.services.article_access), and makes its change through
cms.services.article_changes in one write transaction: the row locked, one
revision, one audit entry, ArticleChanged. NotFound, NotAllowed and
InvalidInput leave everything as it was.
"""

from __future__ import annotations

from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, Category, User
from cms.services.article_access import DRAFT, PENDING, TRASH, can_edit, can_trash
from cms.services.article_changes import apply_edit, finish, locked
from cms.services.article_edits import ArticleEdit
from cms.services.errors import InvalidInput, NotAllowed
from cms.services.revisions import Snapshot, get_revision

MAX_REASON_LENGTH = 500


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
        article = locked(user, article_id)
        if not user.is_staff:
            raise NotAllowed("只有编辑可以退回投稿")
        if article.status != PENDING:
            raise InvalidInput("只有待审的文章可以退回")
        article.status = DRAFT
        article.review_note = reason
        article.version += 1
        finish(user, article, "send-back", PENDING, reason=reason)
    return article


def trash(user: User, article_id: int) -> Article:
    """Move an article to the trash (readers no longer see it): editors and
    admins any article, a contributor their own drafts."""
    with write_transaction():
        article = locked(user, article_id)
        if not can_trash(user, article):
            raise NotAllowed("你不能把这篇文章移到回收站")
        old = article.status
        article.status = TRASH
        article.version += 1
        finish(user, article, "trash", old)
    return article


def restore(user: User, article_id: int) -> Article:
    """Bring an article back from the trash, as a draft (editors and admins;
    a contributor their own)."""
    with write_transaction():
        article = locked(user, article_id)
        if article.status != TRASH:
            raise InvalidInput("这篇文章不在回收站里")
        article.status = DRAFT
        article.version += 1
        finish(user, article, "restore", TRASH)
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
        article = locked(user, article_id)
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
        apply_edit(user, article, edit)
        article.version += 1
        finish(
            user,
            article,
            "revision-restore",
            article.status,
            note=f"恢复到第 {number} 版",
        )
    return article
