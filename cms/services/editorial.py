"""Writing articles from the editor: a new article, and every save of one,
each with the move the editor asked for, under the rules of
cms.services.article_access (a contributor never publishes, never sets the
credited contributor, never changes the owner).

Statuses: draft -> (submit) pending -> (publish) published; published ->
(unpublish) draft (a contributor may take back their own pending article).
A published article whose time is still to come is scheduled (定时发布):
readers see it when the time comes. The other moves (send back, trash,
restore, restore a revision) are cms.services.article_workflow's.

Every use case here checks who may do it; the change itself goes through
cms.services.article_changes (locked row, version check, revision, audit
entry, ArticleChanged), in one write transaction: nothing is stored when
it refuses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, User
from cms.services.article_access import DRAFT, PENDING, PUBLISHED, can_edit
from cms.services.article_changes import apply_edit, check_version, finish, locked, move
from cms.services.article_edits import MAX_BODY_LENGTH, ArticleEdit, check_edit
from cms.services.article_writing import render_body
from cms.services.errors import InvalidInput, NotAllowed
from cms.services.related import picks as related_picks
from cms.services.wordrules import filter_article_source


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
    _check_publisher(user, action)
    _check_picker(user, picks)
    if not user.is_staff:
        edit = _without_staff_fields(edit)
    with write_transaction():
        article = Article(owner=user, title="", status=DRAFT, contributor="")
        db.session.add(article)
        apply_edit(user, article, edit)
        article.version = 1
        finish(user, article, "create", None)
        if action != "save":
            old = article.status
            move(article, PENDING if action == "submit" else PUBLISHED)
            article.version += 1
            finish(user, article, action, old)
        _store_picks(article, picks)
    return article


@dataclass(frozen=True)
class RelatedPicks:
    """The editor's pins (in order) and exclusions for the article's related
    list, as public ids or article URLs."""

    pins: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()


def _check_publisher(user: User, action: str) -> None:
    if action == "publish" and not user.is_staff:
        raise NotAllowed("投稿者不能发布文章，请提交审核")


def _check_picker(user: User, picks: RelatedPicks | None) -> None:
    if picks is not None and not user.is_staff:
        raise NotAllowed("只有编辑可以设置相关推荐")


def _store_picks(article: Article, picks: RelatedPicks | None) -> None:
    """Inside the save's transaction: a PickError rolls the save back too."""
    if picks is not None:
        db.session.flush()
        related_picks.set_overrides(article.id, picks.pins, picks.excluded)


def _without_staff_fields(edit: ArticleEdit) -> ArticleEdit:
    """The edit without what only editors and admins set (the credit and
    the publication time)."""
    return dataclasses.replace(edit, contributor=None, published_at=None)


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
        article = locked(user, article_id)
        if not can_edit(user, article):
            raise NotAllowed("你不能修改这篇文章")
        _check_publisher(user, action)
        if action == "unpublish" and not user.is_staff and article.status != PENDING:
            raise NotAllowed("你不能撤回这篇文章")
        if article.status not in sources:
            raise InvalidInput("文章当前的状态不能这样操作")
        check_version(article, version)
        old = article.status
        apply_edit(user, article, edit)
        if target is not None:
            move(article, target)
        article.version += 1
        finish(user, article, action, old)
        _store_picks(article, picks)
    return article


def preview_html(markdown: str, article_id: int | None = None) -> str:
    """The HTML the public page would show for this Markdown (the same
    renderer, through the word rules with the article's exemptions);
    nothing is stored."""
    if len(markdown) > MAX_BODY_LENGTH:
        raise InvalidInput(f"正文最多 {MAX_BODY_LENGTH} 个字符")
    return render_body(filter_article_source(article_id, markdown).text)
