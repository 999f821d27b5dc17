"""What the sidebar shows, kept: the archive (归档: published articles per
year and month), the tag cloud, 热门 (most read) and 最新评论 (the latest
approved comments).

Guarantees:
- Each is one Digest row, recomputed in the transaction of the change it
  follows (ArticleChanged for the first three, CommentsChanged for the
  comments, TaxonomyChanged for tags): when that change commits, the kept
  summary already matches it, so a page cache purged on those events never
  stores a stale sidebar. Reading all four is one query by primary key.
- 热门 ranks by view count the visible articles published within HOT_DAYS
  (all of them when fewer than HOT_SHOWN qualify); view counts change on
  every read, so the tick refreshes it every ten minutes, as it does the
  archive for scheduled articles whose time came.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, select

from cms.database import read_rows, write_transaction
from cms.events import ArticleChanged, CommentsChanged, ContentImported, TaxonomyChanged
from cms.extensions import db
from cms.models import (
    Article,
    Comment,
    CommentStatus,
    Digest,
    Tag,
    article_tags,
    utcnow,
)
from cms.services.settings import current_settings

ARCHIVE, TAGS, HOT, COMMENTS = "archive", "tags", "hot", "comments"
NAMES = (ARCHIVE, TAGS, HOT, COMMENTS)
HOT_DAYS = 365
HOT_SHOWN = 8
TAGS_SHOWN = 40
COMMENTS_SHOWN = 6
ARTICLE_FIELDS = {"created", "deleted", "status", "published_at", "title", "tags"}


def _archive() -> list[dict[str, Any]]:
    zone = ZoneInfo(current_settings()["site.timezone"])
    months: dict[tuple[int, int], int] = {}
    for (published_at,) in db.session.execute(
        select(Article.published_at).where(Article.visible(utcnow()))
    ):
        if published_at is None:
            continue
        local = published_at.astimezone(zone)
        months[(local.year, local.month)] = months.get((local.year, local.month), 0) + 1
    return [{"year": y, "month": m, "count": c}
            for (y, m), c in sorted(months.items(), reverse=True)]  # fmt: skip


def _tags() -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Tag.name, Tag.slug, func.count(Article.id))
        .join(article_tags, article_tags.c.tag_id == Tag.id)
        .join(Article, Article.id == article_tags.c.article_id)
        .where(Article.visible(utcnow()))
        .group_by(Tag.id, Tag.name, Tag.slug)
        .order_by(func.count(Article.id).desc(), Tag.name)
        .limit(TAGS_SHOWN)
    ).all()
    if not rows:
        return []
    top = max(count for _, _, count in rows)
    return [{"name": n, "slug": s, "count": c, "size": 1 + round(4 * c / top)}
            for n, s, c in sorted(rows, key=lambda r: r[0])]  # fmt: skip


def _hot() -> list[dict[str, Any]]:
    now = utcnow()
    query = (
        select(Article.public_id, Article.public_title, Article.view_count)
        .where(Article.visible(now))
        .order_by(Article.view_count.desc(), Article.published_at.desc())
        .limit(HOT_SHOWN)
    )
    rows = db.session.execute(
        query.where(Article.published_at >= now - timedelta(days=HOT_DAYS))
    ).all()
    if len(rows) < HOT_SHOWN:
        rows = db.session.execute(query).all()
    return [{"public_id": p, "title": t, "views": v} for p, t, v in rows]


def _comments() -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Comment.id, Comment.author_name, Comment.body, Article.public_id,
               Article.public_title)
        .join(Article, Article.id == Comment.article_id)
        .where(Comment.status == CommentStatus.APPROVED, Article.visible(utcnow()))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(COMMENTS_SHOWN)
    ).all()  # fmt: skip
    return [{"id": i, "author": a, "text": " ".join(b.split())[:60],
             "public_id": p, "title": t} for i, a, b, p, t in rows]  # fmt: skip


_COMPUTE = {ARCHIVE: _archive, TAGS: _tags, HOT: _hot, COMMENTS: _comments}


def refresh(*names: str) -> None:
    """Recompute the named digests (all when none is named) in the caller's
    unit of work (one is opened when called outside)."""
    with write_transaction():
        for name in names or NAMES:
            data = json.dumps(_COMPUTE[name](), ensure_ascii=False)
            row = db.session.get(Digest, name)
            if row is None:
                db.session.add(Digest(name=name, data=data))
            elif row.data != data:
                row.data = data
                row.updated_at = utcnow()
        db.session.flush()


def stored() -> tuple[tuple[str, str], ...]:
    """The four kept digests as stored (name, JSON text), in name order: what
    `sidebar` shows, as a value that compares equal exactly when it would show
    the same (one query by primary key, nothing parsed)."""
    rows = read_rows(_stored_query())
    return tuple(sorted((name, data) for name, data in rows))


@lru_cache(maxsize=1)
def _stored_query() -> Select:
    # Built once: every page with the sidebar runs it. One bound value per
    # name, not a list: an expanding IN is re-rendered on every execution
    # (~50 µs, more than running the query).
    names = [
        bindparam(f"name_{n}", name, type_=Digest.name.type)
        for n, name in enumerate(NAMES)
    ]
    return select(Digest.name, Digest.data).where(Digest.name.in_(names))


def parse(rows: tuple[tuple[str, str], ...]) -> dict[str, list[dict[str, Any]]]:
    """`stored` rows as `sidebar` gives them."""
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in NAMES}
    for name, data in rows:
        found[name] = json.loads(data)
    return found


def sidebar() -> dict[str, list[dict[str, Any]]]:
    """The four kept digests (empty lists for those not computed yet)."""
    return parse(stored())


def follow_articles(event: ArticleChanged) -> None:
    """In-transaction handler of ArticleChanged."""
    if ARTICLE_FIELDS & set(event.fields) or event.before_status != event.after_status:
        refresh(ARCHIVE, TAGS, HOT, COMMENTS)


def follow_import(event: ContentImported) -> None:
    """In-transaction handler of ContentImported: a batch of articles (and
    their comments) came in."""
    if event.article_ids:
        refresh(ARCHIVE, TAGS, HOT, COMMENTS)


def follow_comments(event: CommentsChanged) -> None:
    """In-transaction handler of CommentsChanged: only moves into or out of
    `approved`, or edits, change what is shown."""
    refresh(COMMENTS)


def follow_taxonomy(_event: TaxonomyChanged) -> None:
    """In-transaction handler of TaxonomyChanged (renamed or merged tags)."""
    refresh(TAGS)
