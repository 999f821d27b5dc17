"""The editors' list of articles: status tabs with their counts, search and
filters, and the choices the filters and the editor offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import defer, lazyload

from cms.extensions import db
from cms.models import Article, ArticleStatus, Category, User, utcnow

# The tabs, in the order shown. "all" is everything but the trash.
TABS = ("all", "published", "scheduled", "pending", "draft", "trash")


@dataclass(frozen=True)
class PostFilter:
    """Which articles the list shows: a tab, words in the title, an owner,
    a category (None: any)."""

    tab: str = "all"
    q: str = ""
    author_id: int | None = None
    category_id: int | None = None


def _narrowing(user: User, filter_: PostFilter) -> list[ColumnElement[bool]]:
    """Every condition but the tab's. A contributor sees only their own
    articles, whatever the author filter says."""
    conditions: list[ColumnElement[bool]] = []
    if not user.is_staff:
        conditions.append(Article.owner_id == user.id)
    elif filter_.author_id is not None:
        conditions.append(Article.owner_id == filter_.author_id)
    if filter_.category_id is not None:
        conditions.append(Article.category_id == filter_.category_id)
    words = filter_.q.strip()
    if words:
        conditions.append(
            func.lower(Article.title).contains(words.lower(), autoescape=True)
        )
    return conditions


def _tab(tab: str, now: datetime) -> ColumnElement[bool]:
    status = Article.status
    return {
        "published": (status == ArticleStatus.PUBLISHED)
        & (Article.published_at <= now),
        "scheduled": (status == ArticleStatus.PUBLISHED) & (Article.published_at > now),
        "pending": status == ArticleStatus.PENDING,
        "draft": status == ArticleStatus.DRAFT,
        "trash": status == ArticleStatus.TRASH,
    }.get(tab, status != ArticleStatus.TRASH)


def tab_counts(
    user: User, filter_: PostFilter, now: datetime | None = None
) -> dict[str, int]:
    """How many articles each tab holds under the filter's other conditions
    (so a count is what its tab shows): one query grouped by status."""
    now = now or utcnow()
    due = case((Article.published_at > now, 1), else_=0)
    rows = db.session.execute(
        select(Article.status, func.count(), func.sum(due))
        .where(*_narrowing(user, filter_))
        .group_by(Article.status)
    ).all()
    counts = dict.fromkeys(TABS, 0)
    for status, count, future in rows:
        future = int(future or 0)
        if status == ArticleStatus.PUBLISHED:
            counts["published"] = count - future
            counts["scheduled"] = future
        else:
            counts[status.value] = count
        if status != ArticleStatus.TRASH:
            counts["all"] += count
    return counts


def posts_query(user: User, filter_: PostFilter, now: datetime | None = None) -> Select:
    """The list's query (for db.paginate): published and scheduled tabs by
    publication time (the next scheduled first), 全部 by the date its 日期
    column shows (the publication time of published and scheduled articles,
    the last change of the others), the other tabs by last change; bodies not
    loaded."""
    now = now or utcnow()
    if filter_.tab == "published":
        order = (Article.published_at.desc(), Article.id.desc())
    elif filter_.tab == "scheduled":
        order = (Article.published_at.asc(), Article.id.asc())
    elif filter_.tab == "all":
        shown = case(
            (Article.status == ArticleStatus.PUBLISHED, Article.published_at),
            else_=Article.updated_at,
        )
        order = (shown.desc(), Article.id.desc())
    else:
        order = (Article.updated_at.desc(), Article.id.desc())
    return (
        select(Article)
        .where(_tab(filter_.tab, now), *_narrowing(user, filter_))
        .order_by(*order)
        .options(
            defer(Article.body_markdown),
            defer(Article.body_html),
            defer(Article.summary),
            lazyload(Article.tags),
        )
    )


def authors() -> list[User]:
    """Accounts that own at least one article, by display name (the author
    filter's choices)."""
    owners = select(Article.owner_id).distinct()
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(owners)).order_by(User.display_name)
        )
    )


def category_tree() -> list[tuple[Category, int]]:
    """Every category with its depth, parents before their children, siblings
    by position then name (a parent cycle is cut where it closes)."""
    categories = list(
        db.session.scalars(select(Category).order_by(Category.position, Category.name))
    )
    known = {c.id for c in categories}
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        parent = category.parent_id if category.parent_id in known else None
        children.setdefault(parent, []).append(category)
    ordered: list[tuple[Category, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for category in children.get(parent, []):
            if category.id not in seen:
                seen.add(category.id)
                ordered.append((category, depth))
                walk(category.id, depth + 1)

    walk(None, 0)
    # Categories only reachable through a cycle: shown at the top level.
    for category in categories:
        if category.id not in seen:
            seen.add(category.id)
            ordered.append((category, 0))
            walk(category.id, 1)
    return ordered
