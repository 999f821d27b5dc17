"""What readers are shown of an article's related list, and the editors'
pins and exclusions.

Guarantees:
- `related_for` is one indexed read of the stored list.
- `set_overrides` replaces pins and exclusions in one unit of work, or
  changes nothing (PickError) when one is unknown, the article itself, or
  both pinned and excluded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, bindparam, delete, insert, select

from cms.database import call_after_commit, read_rows, write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, RelatedArticle, RelatedOverride, utcnow
from cms.services.errors import InvalidInput, NotFound
from cms.services.related.lists import enqueue, overrides
from cms.services.related.worker import wake


class RelatedItem(NamedTuple):
    """What the article page shows for one related article (a plain row:
    made six times on every uncached article page)."""

    public_id: str
    title: str
    summary: str
    published_at: datetime | None
    view_count: int
    comment_count: int
    kind: str
    id: int


def related_for(article_id: int, now: datetime | None = None) -> list[RelatedItem]:
    """The stored list, in order, of articles readers may see: one indexed
    read (related_articles by article id, joined to articles by key)."""
    rows = read_rows(
        _related_statement(), {"article_id": article_id, "now": now or utcnow()}
    )
    return list(map(RelatedItem._make, rows))


_NOW = bindparam("now", type_=Article.published_at.type)


@cache
def _related_statement() -> Select:
    """related_for's query, built once (building it cost more than running
    it, on every article page). Bound: `article_id`, `now`."""
    return (
        select(
            Article.public_id, Article.public_title, Article.summary,
            Article.published_at, Article.view_count, Article.comment_count,
            RelatedArticle.kind, Article.id,
        )
        .join(Article, Article.id == RelatedArticle.related_id)
        .where(RelatedArticle.article_id == bindparam("article_id"),
               Article.visible(_NOW))  # type: ignore[arg-type]
        .order_by(RelatedArticle.position)
    )  # fmt: skip


def overrides_of(article_id: int) -> tuple[list[str], list[str]]:
    """An article's pinned and excluded articles, as public ids (pins in order)."""
    rows = db.session.execute(
        select(Article.public_id, RelatedOverride.pinned)
        .join(Article, Article.id == RelatedOverride.other_id)
        .where(RelatedOverride.article_id == article_id)
        .order_by(RelatedOverride.position, RelatedOverride.other_id)
    )
    pins = [pid for pid, pinned in rows if pinned]
    excluded = [
        pid
        for pid, pinned in db.session.execute(
            select(Article.public_id, RelatedOverride.pinned)
            .join(Article, Article.id == RelatedOverride.other_id)
            .where(RelatedOverride.article_id == article_id)
        )
        if not pinned
    ]
    return pins, excluded


class PickError(InvalidInput):
    """InvalidInput about one of the editor's two lists: `field` is "pins"
    or "excluded", so that the message can stand beside that field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


_PUBLIC_ID = re.compile(r"[0-9A-Za-z]{16}")


def _ids_of(public_ids: Sequence[str], article_id: int, field: str) -> list[int]:
    # Only well-formed ids reach the query (PostgreSQL refuses NUL in text).
    wellformed = [p for p in public_ids if _PUBLIC_ID.fullmatch(p)]
    found = dict(
        db.session.execute(
            select(Article.public_id, Article.id).where(
                Article.public_id.in_(wellformed)
            )
        ).all()
    )
    missing = [p for p in public_ids if p not in found]
    if missing:
        shown = ("".join(c for c in p if c.isprintable())[:40] for p in missing)
        raise PickError(f"找不到这些文章：{'、'.join(shown)}", field)
    ids = [found[p] for p in public_ids]
    if article_id in ids:
        raise PickError("不能把文章自己设为相关文章", field)
    return ids


def set_overrides(
    article_id: int, pins: Sequence[str], excluded: Sequence[str]
) -> bool:
    """Replace an article's pins (in order) and exclusions (public ids or
    article URLs), and queue its list; returns False (and queues nothing)
    when they are what is stored already. PickError (an InvalidInput naming
    the list) for unknown articles, the article itself, or one both pinned
    and excluded: nothing changes then, and the caller's unit of work (the
    editor's save) is rolled back with it."""
    pins = list(dict.fromkeys(_public_id(p) for p in pins if p.strip()))
    excluded = list(dict.fromkeys(_public_id(p) for p in excluded if p.strip()))
    if set(pins) & set(excluded):
        raise PickError("同一篇文章不能既置顶又排除", "excluded")
    with write_transaction():
        if db.session.get(Article, article_id) is None:
            raise NotFound("文章不存在")
        pin_ids = _ids_of(pins, article_id, "pins")
        excluded_ids = _ids_of(excluded, article_id, "excluded")
        stored_pins, stored_excluded = overrides(article_id)
        if stored_pins == pin_ids and stored_excluded == set(excluded_ids):
            return False
        db.session.execute(
            delete(RelatedOverride).where(RelatedOverride.article_id == article_id)
        )
        rows = [
            {"article_id": article_id, "other_id": other, "pinned": True, "position": i}
            for i, other in enumerate(pin_ids)
        ]
        rows += [{"article_id": article_id, "other_id": other, "pinned": False,
                  "position": 0} for other in excluded_ids]  # fmt: skip
        if rows:
            db.session.execute(insert(RelatedOverride), rows)
        enqueue([article_id], spread=False)
        call_after_commit(wake)
        return True


def titles_of(public_ids: Sequence[str]) -> dict[str, str]:
    """The titles of the articles named by public id or URL (unknown ones
    are left out), keyed by what was given."""
    wanted = {text: _public_id(text) for text in public_ids if text.strip()}
    wanted = {text: p for text, p in wanted.items() if _PUBLIC_ID.fullmatch(p)}
    if not wanted:
        return {}
    titles = dict(
        db.session.execute(
            select(Article.public_id, Article.title).where(
                Article.public_id.in_(sorted(set(wanted.values())))
            )
        ).all()
    )
    return {text: titles[pid] for text, pid in wanted.items() if pid in titles}


@dataclass(frozen=True)
class Found:
    """An article an editor may pin or exclude, found by its title."""

    public_id: str
    title: str
    published_at: datetime | None


FIND_LIMIT = 10


def find_by_title(query: str, article_id: int | None) -> list[Found]:
    """Up to FIND_LIMIT published articles whose title contains `query`
    (any characters taken literally), newest first, never `article_id`."""
    query = query.strip()[:100]
    if not query:
        return []
    pattern = (
        "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    )
    rows = db.session.execute(
        select(Article.public_id, Article.title, Article.published_at)
        .where(
            Article.status == ArticleStatus.PUBLISHED,
            Article.title.like(pattern, escape="\\"),
            Article.id != (article_id or 0),
        )
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(FIND_LIMIT)
    )
    return [Found(*row) for row in rows]


def _public_id(text: str) -> str:
    """A public id from an id or an article URL (…/ID.html)."""
    text = text.strip().rstrip("/")
    tail = text.rsplit("/", 1)[-1]
    return tail.removesuffix(".html")
