"""Each public page issues a bounded number of SQL queries, whatever the data
size: the article page with 0 and with 500 comments (replies included)
issues the same number, at most 8; lists, feed and sitemap issue the same
number for 3 articles and for 30 (no query per article, author, category or
tag shown: no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Comment, CommentStatus, utcnow
from tests.factories import make_article, make_user

ARTICLE_PAGE_LIMIT = 8
_NOT_QUERIES = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


@contextmanager
def counting(app) -> Iterator[list[str]]:
    """The SQL statements the block sends (transaction control left out)."""
    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(_NOT_QUERIES):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def queries(app, client, path: str) -> list[str]:
    client.get(path)  # warm the process's caches, as a running site has them
    with counting(app) as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return list(seen)


def add_comments(article, count: int) -> None:
    """`count` approved comments, one in five a reply (some nested deeper),
    stored in one insert; the article's kept count follows."""
    from sqlalchemy import update

    from cms.models import Article

    start = utcnow() - timedelta(days=1)
    with write_transaction():
        ids = []
        for n in range(count):
            parent = ids[n - 1] if n % 5 and ids else None
            row = db.session.execute(
                insert(Comment).values(
                    article_id=article.id, parent_id=parent,
                    author_name=f"读者{n}", author_email=f"r{n}@example.cn",
                    body=f"第 {n} 条评论", status=CommentStatus.APPROVED,
                    created_at=start + timedelta(seconds=n), reasons=[],
                ).returning(Comment.id)
            )  # fmt: skip
            ids.append(row.scalar_one())
        db.session.execute(
            update(Article).where(Article.id == article.id).values(comment_count=count)
        )


def test_the_article_page_issues_the_same_queries_with_0_and_500_comments(app, client):
    with app.app_context():
        owner = make_user(password=None)
        make_article(owner=owner, ago=timedelta(days=3))
        quiet = make_article(owner=owner, category="软件", tags=("工具", "下载"))
        busy = make_article(owner=owner, category="软件", tags=("工具", "下载"))
        make_article(owner=owner, ago=timedelta(minutes=1))
        add_comments(busy, 500)

    none = queries(app, client, f"/{quiet.public_id}.html")
    many = queries(app, client, f"/{busy.public_id}.html")
    second_page = queries(app, client, f"/{busy.public_id}.html?cpage=2")

    assert len(none) == len(many) == len(second_page), (none, many)
    assert len(many) <= ARTICLE_PAGE_LIMIT, many


def _grow(start: int, stop: int) -> None:
    """Articles `start`..`stop`-1 by 3 owners, in 3 categories, with 2 tags
    each (one of them common to all)."""
    from sqlalchemy import select

    from cms.models import User

    owners = list(db.session.scalars(select(User).order_by(User.id)))
    if not owners:
        owners = [make_user(username=f"writer{n}", password=None) for n in range(3)]
    for n in range(start, stop):
        make_article(
            owner=owners[n % 3], category=f"分类{n % 3}",
            tags=(f"标签{n % 4}", "共同"), ago=timedelta(minutes=n + 1),
        )  # fmt: skip


PATHS = {
    "home": "/",
    "category": "/category/fen-lei-0/",
    "tag": "/tag/gong-tong/",
    "author": "/author/writer0/",
    "feed": "/feed.xml",
    "sitemap": "/sitemap.xml",
}


@pytest.mark.parametrize("page", list(PATHS))
def test_lists_issue_the_same_queries_for_3_and_30_articles(app, client, page):
    with app.app_context():
        _grow(0, 3)
    few = queries(app, client, PATHS[page])
    with app.app_context():
        _grow(3, 30)
    many = queries(app, client, PATHS[page])

    assert len(few) == len(many), (few, many)
