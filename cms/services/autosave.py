"""The editor's autosave: a copy of what the writer typed, kept on the server
(one per writer and article), offered back when they reopen the editor, and
never written over the article itself: restoring puts it in the form with the
version it was based on, so saving goes through the version check."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, Autosave, User, utcnow
from cms.services.article_access import can_edit
from cms.services.article_edits import MAX_BODY_LENGTH
from cms.services.errors import InvalidInput, NotAllowed


def _slot(user: User, article_id: int | None) -> str:
    return f"{user.id}:{article_id if article_id is not None else 'new'}"


def autosave(
    user: User,
    article: Article | None,
    title: str,
    body: str,
    base_version: int,
) -> Autosave:
    """Keep `user`'s copy of the editor for `article` (None: a new article),
    replacing their previous one. NotAllowed when they may not edit it;
    InvalidInput when it is too long. The article is not touched."""
    if article is not None and not can_edit(user, article):
        raise NotAllowed("你不能编辑这篇文章")
    if len(body) > MAX_BODY_LENGTH or len(title) > 1000:
        raise InvalidInput("内容太长，无法自动保存")
    slot = _slot(user, article.id if article else None)
    with write_transaction():
        copy = db.session.scalar(
            select(Autosave).where(Autosave.slot == slot).with_for_update()
        )
        if copy is None:
            copy = Autosave(slot=slot, user_id=user.id,
                            article_id=article.id if article else None)  # fmt: skip
            db.session.add(copy)
        copy.title, copy.body_markdown = title, body
        copy.base_version = base_version if article is not None else 0
        copy.saved_at = utcnow()
    return copy


@dataclass(frozen=True)
class Offer:
    """An autosaved copy worth offering: `stale` when the article was saved
    again after the version the copy is based on (restoring it then meets
    the version check, with the differences shown)."""

    copy: Autosave
    stale: bool


def offer_for(user: User, article: Article | None) -> Offer | None:
    """`user`'s copy for `article` (None: a new article) when it differs from
    what is saved; None otherwise."""
    copy = db.session.scalar(
        select(Autosave).where(
            Autosave.slot == _slot(user, article.id if article else None)
        )
    )
    if copy is None:
        return None
    if article is not None:
        if (copy.title, copy.body_markdown) == (article.title, article.body_markdown):
            return None
        return Offer(copy, stale=article.version > copy.base_version)
    if not copy.title.strip() and not copy.body_markdown.strip():
        return None
    return Offer(copy, stale=False)


def discard(user: User, article_id: int | None) -> None:
    """Forget `user`'s copy for the article (after a save, or when refused)."""
    with write_transaction():
        db.session.execute(
            delete(Autosave).where(Autosave.slot == _slot(user, article_id))
        )
