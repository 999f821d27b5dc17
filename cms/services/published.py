"""The article as its public page shows it: `PublishedArticle`, read by
`published_article` in one statement of plain columns with its author's
byline, its category and its cover.

The page, its comment form and the page cache's marks take this, not the
ORM's Article: loading an Article with its three joined relations cost an
uncached article page about 350 µs a request, against about 130 µs for the
same row as columns (bench/README.md, "eighth session"), and it read the
owner's whole account row (e-mail, password hash, two-factor secret), none
of which the page shows. Writing and the editors' area keep the ORM's
Article. A PublishedArticle is immutable: what a request read is what it
renders. What pages derive from the columns (reading, table of contents,
credit, protection) is ArticleFacts', shared with Article; a test holds
every field and derived value equal to Article's for the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, select

from cms.database import read_rows
from cms.models import Article, ArticleStatus, Category, MediaFile, User, utcnow
from cms.models.article import ArticleFacts
from cms.models.media import page_widths
from cms.services.errors import NotFound


class Byline(NamedTuple):
    """What the page shows of the article's owner: the byline, the author
    page's address, and the tip box's own pay links."""

    id: int
    username: str
    display_name: str
    tip_wechat: str
    tip_alipay: str


class CategoryLink(NamedTuple):
    """The article's category as the page links it."""

    id: int
    name: str
    slug: str


class CoverImage(NamedTuple):
    """The cover's stored image, as `media_size` picks a size of it (og:image)."""

    id: int
    key: str
    ext: str
    width: int
    height: int
    widths: str

    @property
    def size_list(self) -> list[int]:
        """The page widths made, smallest first (as MediaFile.size_list)."""
        return page_widths(self.widths)


@dataclass(frozen=True, slots=True)
class PublishedArticle(ArticleFacts):
    """A visible article's public facts (the fields keep Article's names, so
    the templates and the comment services read either alike; what pages
    derive from them is ArticleFacts', as Article's is)."""

    id: int
    public_id: str
    public_title: str
    body_html: str
    reading_words: int
    reading_minutes: int
    toc: list[list[Any]]
    summary: str
    status: ArticleStatus
    published_at: datetime
    updated_at: datetime
    owner_id: int
    contributor: str
    source: str
    source_url: str
    category_id: int | None
    allow_comments: bool
    show_tip: bool
    view_count: int
    comment_count: int
    password_hash: str | None
    owner: Byline
    category: CategoryLink | None
    cover: CoverImage | None


# An article as a page shows it: the ORM's (the editors' previews, feeds)
# or the public page's read.
ShownArticle = Article | PublishedArticle


# The statement's columns, named by the fields they fill: the article's, in
# PublishedArticle's order, then each joined part's, in its tuple's order.
_ARTICLE_COLUMNS = tuple(
    getattr(Article, name)
    for name in PublishedArticle.__dataclass_fields__
    if name not in ("owner", "category", "cover")
)
_BYLINE = tuple(getattr(User, name) for name in Byline._fields)
_CATEGORY = tuple(getattr(Category, name) for name in CategoryLink._fields)
_COVER = tuple(getattr(MediaFile, name) for name in CoverImage._fields)
# The joined parts' columns, in the order `joined_parts` reads them (the
# lists' cards read them too: cms.services.cards).
JOINED_COLUMNS = (*_BYLINE, *_CATEGORY, *_COVER)
Parts = tuple[Byline, CategoryLink | None, CoverImage | None]


def with_joined_parts(query: Select) -> Select:
    """`query` (over Article) joined to its owner, category and cover by key,
    as JOINED_COLUMNS need."""
    return (
        query.join(User, User.id == Article.owner_id)
        .outerjoin(Category, Category.id == Article.category_id)
        .outerjoin(MediaFile, MediaFile.id == Article.cover_media_id)
    )


def joined_parts(row: Sequence[Any], at: int) -> Parts:
    """The byline, category and cover read by JOINED_COLUMNS from position
    `at` of `row` to its end (None for a category or a cover the article
    has not)."""
    category_at = at + len(_BYLINE)
    cover_at = category_at + len(_CATEGORY)
    category = row[category_at]
    cover = row[cover_at]
    return (
        Byline(*row[at:category_at]),
        None if category is None else CategoryLink(*row[category_at:cover_at]),
        None if cover is None else CoverImage(*row[cover_at:]),
    )


@lru_cache(maxsize=1)
def _published_by_public_id() -> Select:
    # Built once: the article page is the hottest path.
    return with_joined_parts(
        select(*_ARTICLE_COLUMNS, *JOINED_COLUMNS).where(
            Article.status == ArticleStatus.PUBLISHED,
            Article.published_at <= bindparam("now"),
            Article.public_id == bindparam("public_id"),
        )
    )


def published_article(public_id: str) -> PublishedArticle:
    """The article readers may see under this id, or NotFound (drafts,
    pending, trashed and future articles are not found). One statement;
    its tags are `articles.tags_shown`'s."""
    parameters = {"now": utcnow(), "public_id": public_id}
    rows = read_rows(_published_by_public_id(), parameters)
    if not rows:
        raise NotFound(public_id)
    row = rows[0]
    at = len(_ARTICLE_COLUMNS)
    return PublishedArticle(*(*row[:at], *joined_parts(row, at)))
