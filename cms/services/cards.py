"""Articles as the readers' lists show them (home, its pinned ones, category,
tag, author, month): `Card`, read as plain columns with the author's byline,
the category and the cover, in one statement a page.

Lists used to load the ORM's Article with its three relations: the ORM's
execution and its objects cost the home page about a third of its time
(bench/README.md, "tenth session"), for fields a card only prints. A Card
holds what templates/_partials/article_card.html and the page cache's marks
read, under Article's names, so the template reads either alike.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select

from cms.database import read_rows
from cms.models import Article
from cms.services.published import (
    JOINED_COLUMNS,
    Byline,
    CategoryLink,
    CoverImage,
    joined_parts,
    with_joined_parts,
)


@dataclass(frozen=True, slots=True)
class Card:
    """One article of a list (immutable: what the request read is what it
    renders)."""

    id: int
    public_id: str
    public_title: str
    summary: str
    password_hash: str | None
    sticky: bool
    published_at: datetime
    view_count: int
    comment_count: int
    owner_id: int
    category_id: int | None
    owner: Byline
    category: CategoryLink | None
    cover: CoverImage | None


_ARTICLE_COLUMNS = tuple(
    getattr(Article, name)
    for name in Card.__dataclass_fields__
    if name not in ("owner", "category", "cover")
)
# Card statements of the lists' statements that are built once (home,
# pinned), kept with them so a request does not build one again.
_KEPT: weakref.WeakKeyDictionary[Select, Select] = weakref.WeakKeyDictionary()


def card_select(query: Select) -> Select:
    """`query` (a select of Article: its filters, joins and order) reading a
    card's columns instead: the article's, then its owner's, category's and
    cover's, joined by key (none of the bodies, nor the owner's account)."""
    kept = _KEPT.get(query)
    if kept is None:
        kept = _KEPT[query] = with_joined_parts(
            query.with_only_columns(*_ARTICLE_COLUMNS, *JOINED_COLUMNS)
        )
    return kept


def read_cards(
    statement: Select, parameters: dict[str, Any] | None = None
) -> list[Card]:
    """The cards of a `card_select` statement, in its order."""
    at = len(_ARTICLE_COLUMNS)
    return [
        Card(*(*row[:at], *joined_parts(row, at)))
        for row in read_rows(statement, parameters)
    ]
