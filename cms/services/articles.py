"""Writing articles and finding the ones readers may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Select, bindparam, or_, select

from cms.database import write_transaction
from cms.events import ArticleChanged, emit
from cms.extensions import db
from cms.models import Article, ArticleStatus, Category, Tag, User, article_tags, utcnow
from cms.services.errors import InvalidInput, NotFound
from cms.services.taxonomy import category_named, tags_named
from cms.text.excerpt import derive_excerpt
from cms.text.markdown import render_markdown

MAX_TITLE_LENGTH = 200


def _site_host() -> str | None:
    return urlsplit(current_app.config["SITE_URL"]).hostname


def render_body(markdown: str) -> str:
    """Markdown to the sanitised HTML readers get: the one renderer of article
    and page bodies and of the editor's preview, so they never disagree."""
    return render_markdown(markdown, _site_host())


def apply_body(article: Article, markdown: str, excerpt: str = "") -> None:
    """Set the source and written excerpt, and re-derive the HTML and summary
    from them."""
    article.body_markdown = markdown
    article.excerpt = excerpt.strip()
    article.body_html = render_body(markdown)
    article.summary = article.excerpt or derive_excerpt(article.body_html)


@dataclass
class ArticleDraft:
    """What a writer gives for a new article."""

    title: str
    body_markdown: str
    owner: User
    excerpt: str = ""
    status: ArticleStatus = ArticleStatus.DRAFT
    published_at: datetime | None = None
    contributor: str = ""
    category: str | None = None
    tags: tuple[str, ...] = ()
    allow_comments: bool = True
    public_id: str | None = None
    view_count: int = 0
    source: str = "original"  # or "reprint" (转载) from source_url
    source_url: str = ""


def create_article(draft: ArticleDraft) -> Article:
    """Store a new article, rendered, with its category and tags (created when
    new). Publishing without a time publishes now. InvalidInput for an empty or
    over-long title; nothing is stored then."""
    title = draft.title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"标题须为 1-{MAX_TITLE_LENGTH} 个字符")
    published_at = draft.published_at
    if published_at is not None and published_at.tzinfo is None:
        raise InvalidInput("发布时间须带时区")
    if draft.status == ArticleStatus.PUBLISHED and published_at is None:
        published_at = utcnow()
    with write_transaction():
        article = Article(
            title=title,
            owner=draft.owner,
            status=draft.status,
            published_at=published_at,
            contributor=draft.contributor.strip(),
            allow_comments=draft.allow_comments,
            view_count=draft.view_count,
            source=draft.source,
            source_url=draft.source_url.strip(),
        )
        if draft.public_id:
            article.public_id = draft.public_id
        db.session.add(article)
        apply_body(article, draft.body_markdown, draft.excerpt)
        article.category = category_named(draft.category) if draft.category else None
        article.tags = tags_named(list(draft.tags))
        db.session.flush()
        emit(
            ArticleChanged(
                article.id,
                frozenset({"created"}),
                after_status=article.status.value,
                public_id=article.public_id,
            )
        )
    return article


def visible_articles(now: datetime | None = None) -> Select:
    """Readers' articles, newest first: published and due (a scheduled article
    shows up by itself when its time comes)."""
    return (
        select(Article)
        .where(Article.visible(now or utcnow()))
        .order_by(Article.published_at.desc(), Article.id.desc())
    )


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


def with_tag(tag: Tag) -> Select:
    """Visible articles carrying a tag."""
    return visible_articles().join(article_tags).where(article_tags.c.tag_id == tag.id)


def by_owner(user: User) -> Select:
    """Visible articles owned by an account."""
    return visible_articles().where(Article.owner_id == user.id)


@lru_cache(maxsize=1)
def _visible_by_public_id() -> Select:
    # Built once: the article page is the hottest path, and building a select
    # costs more than running this one. (Tags come by selectin: joining them
    # here makes SQLite materialise the whole tag table.)
    return select(Article).where(
        Article.status == ArticleStatus.PUBLISHED,
        Article.published_at <= bindparam("now"),
        Article.public_id == bindparam("public_id"),
    )


def get_visible(public_id: str) -> Article:
    """The article readers may see under this id, or NotFound (drafts, pending,
    trashed and future articles are not found)."""
    article = db.session.scalars(
        _visible_by_public_id(), {"now": utcnow(), "public_id": public_id}
    ).first()
    if article is None:
        raise NotFound(public_id)
    return article


class Neighbour(NamedTuple):
    """What the previous/next links show of an article."""

    id: int
    public_id: str
    title: str
    published_at: datetime


def neighbours(article: Article) -> tuple[Neighbour | None, Neighbour | None]:
    """(the next older, the next newer) visible article, by publication time
    then id, so articles published in the same second still have an order.
    `article` must itself be visible.

    Each query is bounded on published_at by the article's own time (and by
    now for the newer one), so the (status, published_at, id) index is entered
    at that point and the first row ends it (LIMIT 1); only the columns the
    links show are read."""
    older_query, newer_query = _neighbour_queries()
    params = {"key_at": article.published_at, "key_id": article.id, "now": utcnow()}
    older = db.session.execute(older_query, params).first()
    newer = db.session.execute(newer_query, params).first()
    return (
        Neighbour(*older) if older else None,
        Neighbour(*newer) if newer else None,
    )


@lru_cache(maxsize=1)
def _neighbour_queries() -> tuple[Select, Select]:
    columns = (Article.id, Article.public_id, Article.title, Article.published_at)
    published = Article.status == ArticleStatus.PUBLISHED
    key_at, key_id = bindparam("key_at"), bindparam("key_id")
    older = (
        select(*columns)
        .where(
            published,
            Article.published_at <= key_at,
            or_(Article.published_at < key_at, Article.id < key_id),
        )
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(1)
    )
    newer = (
        select(*columns)
        .where(
            published,
            Article.published_at >= key_at,
            Article.published_at <= bindparam("now"),
            or_(Article.published_at > key_at, Article.id > key_id),
        )
        .order_by(Article.published_at.asc(), Article.id.asc())
        .limit(1)
    )
    return older, newer


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
