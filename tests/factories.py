"""Test data: plain functions taking overrides, storing through the services."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from cms.database import write_transaction
from cms.events import CommentMove, CommentsChanged, emit
from cms.extensions import db
from cms.models import (
    Article,
    ArticleStatus,
    Comment,
    CommentStatus,
    MediaFile,
    Page,
    Role,
    User,
    utcnow,
)
from cms.services.article_writing import ArticleDraft, create_article
from cms.services.users import create_user

_counter = itertools.count(1)


def make_user(
    username: str | None = None,
    role: Role = Role.CONTRIBUTOR,
    password: str | None = "correct horse battery staple",
    display_name: str | None = None,
    active: bool = True,
) -> User:
    """An account (call inside an app context)."""
    username = username or f"user{next(_counter)}"
    return create_user(username, role, password, display_name, active=active)


def make_article(
    title: str | None = None,
    body: str = "正文第一段。\n\n## 小标题\n\n正文第二段。",
    owner: User | None = None,
    status: ArticleStatus = ArticleStatus.PUBLISHED,
    published_at: datetime | None = None,
    ago: timedelta | None = None,
    **overrides,
) -> Article:
    """A published article by default, `ago` before now (call inside an app context)."""
    if owner is None:
        owner = make_user()
    if published_at is None and status == ArticleStatus.PUBLISHED:
        published_at = utcnow() - (timedelta(hours=1) if ago is None else ago)
    draft = ArticleDraft(
        title=title or f"测试文章 {next(_counter)}",
        body_markdown=body,
        owner=owner,
        status=status,
        published_at=published_at,
        **overrides,
    )
    return create_article(draft)


def make_comment(
    article: Article | Page,
    body: str | None = None,
    status: str = "approved",
    parent=None,
    **overrides,
):
    """A comment stored as is (no form, no spam checks; call inside an app
    context) on an article or a standalone page; announced as the services
    do, so it counts on its article (when approved) and in the status
    tallies, and a held one is mailed about."""

    values = {"author_name": "读者", "author_email": "reader@example.cn",
              "ip": "203.0.113.7", "created_at": utcnow()} | overrides  # fmt: skip
    on_page = isinstance(article, Page)
    comment = Comment(
        article_id=None if on_page else article.id,
        page_id=article.id if on_page else None,
        parent_id=parent.id if parent is not None else None,
        body=body or f"评论 {next(_counter)}",
        status=CommentStatus(status),
        **values,
    )
    with write_transaction():
        db.session.add(comment)
        db.session.flush()
        move = CommentMove(
            comment.id, comment.article_id, None, comment.status.value,
            comment.page_id,
        )  # fmt: skip
        emit(CommentsChanged.of_moves([move]))
    return comment


def make_cover(width: int = 1600, height: int = 900) -> MediaFile:
    """A stored image row (no file) with page sizes 480 and 960, to be an
    article's cover (call inside an app context)."""
    cover = MediaFile(key=f"ab/{next(_counter):032d}.png", ext="png", width=width,
                      height=height, byte_size=1000, widths="480,960")  # fmt: skip
    with write_transaction():
        db.session.add(cover)
    return cover
