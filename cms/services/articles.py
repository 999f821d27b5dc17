"""Finding the articles readers may see: visible, pinned, home, category,
tag and author lists (as cards), an article's tags and neighbours, the
sitemap's entries. One article by its public id: cms.services.published.
Writing them: cms.services.article_writing."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import (
    CompoundSelect,
    Select,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from cms.database import read_rows
from cms.extensions import db
from cms.models import Article, ArticleStatus, Category, Tag, User, article_tags, utcnow
from cms.services.cards import Card, card_select, read_cards
from cms.services.published import ShownArticle


def visible_articles(now: datetime | None = None) -> Select:
    """Readers' articles, newest first: published and due (a scheduled article
    shows up by itself when its time comes). Without `now`: due at the time
    the statement runs (built once, see `_visible_at_run`)."""
    if now is None:
        return _visible_at_run()
    return (
        select(Article)
        .where(Article.visible(now))
        .order_by(Article.published_at.desc(), Article.id.desc())
    )


# The time a statement runs, bound when it runs: a statement using it can be
# built once and run at any time (building one costs more than running it).
def _now() -> datetime:
    return utcnow()  # looked up when called: the clock a test moves is used


_NOW_AT_RUN = bindparam("now_at_run", callable_=_now, type_=Article.published_at.type)


@lru_cache(maxsize=1)
def _visible_at_run() -> Select:
    return (
        select(Article)
        .where(Article.visible(_NOW_AT_RUN))  # type: ignore[arg-type]
        .order_by(Article.published_at.desc(), Article.id.desc())
    )


def pinned_articles(now: datetime | None = None) -> list[Card]:
    """Readers' sticky articles (置顶), newest first, as cards: shown above
    the first page of the home page."""
    query = _pinned_at_run() if now is None else _pinned(visible_articles(now))
    return read_cards(card_select(query))


def _pinned(query: Select) -> Select:
    # `= true`, not `IS true`: PostgreSQL uses an index only for the former.
    return query.where(Article.sticky == true()).limit(20)


@lru_cache(maxsize=1)
def _pinned_at_run() -> Select:
    return _pinned(_visible_at_run())


def home_articles(now: datetime | None = None) -> Select:
    """The home page's stream (a list: cms.services.listing reads it as
    cards): readers' articles that are not pinned."""
    if now is None:
        return _home_at_run()
    return visible_articles(now).where(Article.sticky == false())


@lru_cache(maxsize=1)
def _home_at_run() -> Select:
    return _visible_at_run().where(Article.sticky == false())


def unlock(article: ShownArticle, password: str) -> bool:
    """Whether `password` opens a password-protected article (always False
    for an open one: nothing to unlock)."""
    from cms.services.passwords import verify_hash

    return bool(article.password_hash) and verify_hash(article.password_hash, password)


def category_and_descendants(category: Category) -> list[int]:
    """Ids of a category and of every category below it, at any depth (the
    tree is small: one query, walked in Python; cycles are ignored)."""
    children: dict[int | None, list[int]] = {}
    for cid, parent_id in db.session.execute(select(Category.id, Category.parent_id)):
        children.setdefault(parent_id, []).append(cid)
    found, queue = {category.id}, [category.id]
    while queue:
        for child in children.get(queue.pop(), []):
            if child not in found:
                found.add(child)
                queue.append(child)
    return sorted(found)


def in_category(category: Category) -> Select:
    """Visible articles of a category and of all its subcategories."""
    return visible_articles().where(
        Article.category_id.in_(category_and_descendants(category))
    )


def with_tag(tag: Tag, many: bool = False) -> Select:
    """Visible articles carrying a tag. A tag on few articles: found by the
    tag's index, then sorted (a few rows). A tag on `many` (see
    cms.services.listing): the newest articles walked in order by the
    (status, published_at, id) index, each checked against the tag, so a page
    stops after its rows instead of sorting thousands."""
    if many:
        tagged = (
            select(article_tags.c.article_id)
            .where(
                article_tags.c.article_id == Article.id,
                article_tags.c.tag_id == tag.id,
            )
            .exists()
        )
        return visible_articles().where(tagged)
    return visible_articles().join(article_tags).where(article_tags.c.tag_id == tag.id)


def by_owner(user: User) -> Select:
    """Visible articles owned by an account."""
    return visible_articles().where(Article.owner_id == user.id)


class TagLink(NamedTuple):
    """What the article page shows of a tag (and the page cache marks)."""

    id: int
    name: str
    slug: str


def tags_shown(article_id: int) -> list[TagLink]:
    """The article's tags by name, as the page links them: plain rows (as ORM
    objects they cost an uncached article page ~0.3 ms, more than reading
    the article itself)."""
    return [TagLink(*row) for row in read_rows(_tags_of(), {"article_id": article_id})]


@lru_cache(maxsize=1)
def _tags_of() -> Select:
    # Built once, with the relationship's order (by name).
    return (
        select(Tag.id, Tag.name, Tag.slug)
        .join(article_tags, article_tags.c.tag_id == Tag.id)
        .where(article_tags.c.article_id == bindparam("article_id"))
        .order_by(Tag.name)
    )


class Neighbour(NamedTuple):
    """What the previous/next links show of an article."""

    id: int
    public_id: str
    title: str
    published_at: datetime


def neighbours(article: ShownArticle) -> tuple[Neighbour | None, Neighbour | None]:
    """(the next older, the next newer) visible article, by publication time
    then id, so articles published in the same second still have an order.
    `article` must itself be visible.

    One query, the UNION ALL of two: each bounded on published_at by the
    article's own time (and by now for the newer one), so the (status,
    published_at, id) index is entered at that point and the first row ends
    it (LIMIT 1); only the columns the links show are read."""
    params = {"key_at": article.published_at, "key_id": article.id, "now": utcnow()}
    older = newer = None
    for side, *columns in read_rows(_neighbours_query(), params):
        if side == "older":
            older = Neighbour(*columns)
        else:
            newer = Neighbour(*columns)
    return older, newer


@lru_cache(maxsize=1)
def _neighbours_query() -> CompoundSelect:
    columns = (
        Article.id,
        Article.public_id,
        Article.public_title,
        Article.published_at,
    )
    published = Article.status == ArticleStatus.PUBLISHED
    key_at, key_id = bindparam("key_at"), bindparam("key_id")
    older = (
        select(literal_column("'older'").label("side"), *columns)
        .where(
            published,
            Article.published_at <= key_at,
            or_(Article.published_at < key_at, Article.id < key_id),
        )
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(1)
        .subquery("older")
    )
    newer = (
        select(literal_column("'newer'").label("side"), *columns)
        .where(
            published,
            Article.published_at >= key_at,
            Article.published_at <= bindparam("now"),
            or_(Article.published_at > key_at, Article.id > key_id),
        )
        .order_by(Article.published_at.asc(), Article.id.asc())
        .limit(1)
        .subquery("newer")
    )
    return union_all(select(older), select(newer))


def sitemap_entries(limit: int) -> list[tuple[str, datetime]]:
    """(public_id, updated_at) of the newest visible articles, without loading
    their bodies."""
    query = (
        select(Article.public_id, Article.updated_at)
        .where(Article.visible(utcnow()))
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(query)]


def last_article_id() -> int:
    """The highest article id there is (0 for none): an upper bound on how
    many articles the sitemap can list, read from the primary key's end
    without counting."""
    return db.session.scalar(select(func.max(Article.id))) or 0


def sitemap_chunk(first_id: int, last_id: int) -> list[tuple[str, datetime]]:
    """(public_id, updated_at) of the visible articles whose id is between
    `first_id` and `last_id` (both included), by id: one part of a sitemap
    index, read by a primary-key range (never an OFFSET)."""
    query = (
        select(Article.public_id, Article.updated_at)
        .where(Article.id.between(first_id, last_id), Article.visible(utcnow()))
        .order_by(Article.id)
    )
    return [tuple(row) for row in db.session.execute(query)]
