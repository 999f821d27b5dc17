"""Who may see and change an article in the editors' area.

Editors and admins see and change every article. A contributor sees only the
articles they own and changes them only while they are drafts or pending.
Another contributor's article is NotFound for them, never NotAllowed, so its
id cannot be probed.
"""

from __future__ import annotations

from datetime import datetime

from cms.extensions import db
from cms.models import Article, ArticleStatus, User, utcnow
from cms.services.errors import NotFound
from cms.services.published import ShownArticle

DRAFT, PENDING = ArticleStatus.DRAFT, ArticleStatus.PENDING
PUBLISHED, TRASH = ArticleStatus.PUBLISHED, ArticleStatus.TRASH


def can_view(user: User, article: ShownArticle) -> bool:
    """Editors and admins see every article; a contributor only their own."""
    return user.is_staff or article.owner_id == user.id


def can_edit(user: User, article: ShownArticle) -> bool:
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
