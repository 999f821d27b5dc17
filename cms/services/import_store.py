"""What the importers store: the keys that make a second run change
nothing, the old links that answer 301, accounts for imported authors,
categories and tags, and a batch of articles with their tags, comments and
events. The values written are built by cms.services.imports.

Guarantees: a batch is one unit of work (many rows, one transaction); its
events are emitted once per batch (one ContentImported, one CommentsChanged
with origin IMPORT, so no held-comment mail goes out and the kept counts
follow through their one owner, cms.services.tallies); an item whose key is
already stored for the same source is left alone; an old link already
stored keeps its first target.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy import bindparam, insert, select, update

from cms.events import IMPORT, CommentMove, CommentsChanged, ContentImported, emit
from cms.extensions import db
from cms.models import (
    Category,
    ImportKey,
    LegacyLink,
    Role,
    Tag,
    User,
    article_tags,
    utcnow,
)
from cms.services.imports import NewArticle, Summary, comment_values, term_slug
from cms.text.names import clean_name
from cms.text.slug import slugify

_USERNAME_BAD = re.compile(r"[^A-Za-z0-9_.-]+")


# -- keys: what was imported from where ---------------------------------------


def _stored(text: str) -> str:
    """A key or source as stored: longer ones (deep paths) by their digest."""
    if len(text) <= 255:
        return text
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def known_keys(source: str, kind: str, keys: Iterable[str]) -> dict[str, int]:
    """The ids here of the items `keys` of `source` already imported."""
    wanted = {_stored(k): k for k in keys}
    stored = list(wanted)
    found: dict[str, int] = {}
    for start in range(0, len(stored), 500):
        part = stored[start : start + 500]
        query = select(ImportKey.key, ImportKey.target_id).where(
            ImportKey.source == _stored(source),
            ImportKey.kind == kind,
            ImportKey.key.in_(part),
        )
        found.update({wanted[key]: target for key, target in db.session.execute(query)})
    return found


def remember_keys(source: str, kind: str, pairs: Iterable[tuple[str, int]]) -> None:
    """Remember which row here each item `key` of `source` became."""
    rows = [
        {"source": _stored(source), "kind": kind, "key": _stored(k), "target_id": t}
        for k, t in pairs
    ]
    if rows:
        db.session.execute(insert(ImportKey), rows)


# -- old links -----------------------------------------------------------------


def remember_links(links: Iterable[tuple[str, int | None, int | None]]) -> int:
    """Store old links (key, article id, page id); a key already stored (by
    this import or an earlier one) keeps its first target. Returns how many
    were stored."""
    wanted: dict[str, tuple[int | None, int | None]] = {}
    for key, article_id, page_id in links:
        if key and len(key) <= 512 and key not in wanted:
            wanted[key] = (article_id, page_id)
    if not wanted:
        return 0
    taken = set(
        db.session.scalars(select(LegacyLink.path).where(LegacyLink.path.in_(wanted)))
    )
    now = utcnow()
    rows = [
        {"path": key, "article_id": a, "page_id": p, "created_at": now}
        for key, (a, p) in wanted.items()
        if key not in taken
    ]
    if rows:
        db.session.execute(insert(LegacyLink), rows)
    return len(rows)


# -- authors, categories, tags -------------------------------------------------


def username_for(login: str) -> str:
    """A username this site accepts (2-32 of [A-Za-z0-9_.-]) for an old login."""
    name = _USERNAME_BAD.sub("-", login.strip()).strip("-.")[:32]
    if len(name) < 2:
        name = slugify(login or "author", max_length=32)
    return name if len(name) >= 2 else f"{name}-author"


def imported_author(
    source: str, login: str, display_name: str, summary: Summary
) -> int:
    """The id of the account standing for an old author: created once per
    source as an inactive contributor without a password (it cannot log in;
    articles credit it), under a free username. Call in a write transaction."""
    key = login or display_name or "author"
    known = known_keys(source, "author", [key])
    if key in known:
        return known[key]
    base = username_for(key)
    name, n = base, 2
    while db.session.scalar(select(User.id).where(User.username == name)):
        suffix = f"-{n}"
        name, n = base[: 32 - len(suffix)] + suffix, n + 1
    user = User(
        username=name,
        display_name=(clean_name(display_name) or key)[:100],
        password_hash=None,
        role=Role.CONTRIBUTOR,
        active=False,
    )
    db.session.add(user)
    db.session.flush()
    remember_keys(source, "author", [(key, user.id)])
    summary.imported["作者"] += 1
    return user.id


def _free_slug(model: type[Category] | type[Tag], slug: str) -> str:
    base, n = slug, 2
    while db.session.scalar(select(model.id).where(model.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def ensure_category(
    name: str, slug: str, parent_id: int | None = None
) -> tuple[int, bool]:
    """(id, created) of the category with this slug (else this name), created
    when missing. Call in a write transaction."""
    name = (name.strip() or slug)[:100]
    slug = term_slug(slug, name)
    found = db.session.scalar(select(Category.id).where(Category.slug == slug))
    if found is None:
        found = db.session.scalar(select(Category.id).where(Category.name == name))
    if found is not None:
        return found, False
    category = Category(name=name, slug=_free_slug(Category, slug), parent_id=parent_id)
    db.session.add(category)
    db.session.flush()
    return category.id, True


def ensure_tag(name: str, slug: str) -> tuple[int, bool]:
    """(id, created) of the tag with this name (else this slug), created when
    missing. Call in a write transaction."""
    name = (name.strip() or slug)[:100]
    found = db.session.scalar(select(Tag.id).where(Tag.name == name))
    if found is not None:
        return found, False
    slug = term_slug(slug, name)
    tag = Tag(name=name, slug=_free_slug(Tag, slug))
    db.session.add(tag)
    db.session.flush()
    return tag.id, True


# -- articles and comments ------------------------------------------------------


def write_articles(source: str, batch: list[NewArticle], summary: Summary) -> list[int]:
    """Write a batch of new articles (call in a write transaction): the rows,
    their tags, keys, old links and comments (threaded by their `parent`
    key), then one ContentImported and one CommentsChanged (origin IMPORT)."""
    if not batch:
        return []
    articles = db.metadata.tables["articles"]
    ids = list(
        db.session.scalars(
            insert(articles).returning(articles.c.id, sort_by_parameter_order=True),
            [item.values for item in batch],
        )
    )
    tag_rows = [
        {"article_id": article_id, "tag_id": tag_id}
        for item, article_id in zip(batch, ids, strict=True)
        for tag_id in dict.fromkeys(item.tag_ids)
    ]
    if tag_rows:
        db.session.execute(insert(article_tags), tag_rows)
    remember_keys(source, "post", [(i.key, a) for i, a in zip(batch, ids, strict=True)])
    remember_links(
        (link, article_id, None)
        for item, article_id in zip(batch, ids, strict=True)
        for link in item.links
    )
    owners = [(a, item.comments) for item, a in zip(batch, ids, strict=True)]
    moves = write_comments("article_id", owners, summary)
    emit(ContentImported(article_ids=tuple(ids)))
    if moves:
        emit(CommentsChanged.of_moves(moves, origin=IMPORT))
    return ids


def write_comments(
    column: Literal["article_id", "page_id"],
    owners: Iterable[tuple[int, list[dict[str, Any]]]],
    summary: Summary,
) -> list[CommentMove]:
    """Write imported comments (call in a write transaction): each owner is
    (article or page id, its comments), `column` says which. A comment's
    `parent` key names another comment of the same owner (threading); one
    naming nothing in the file becomes top-level (noted). Returns the moves
    for the caller's one CommentsChanged (origin IMPORT)."""
    rows, keys, parents = [], [], []
    for owner_id, comments in owners:
        for comment in comments:
            values = dict(comment)
            keys.append((owner_id, values.pop("key")))
            parents.append((owner_id, values.pop("parent", "")))
            rows.append(comment_values({**values, column: owner_id}, summary))
    if not rows:
        return []
    table = db.metadata.tables["comments"]
    comment_ids = list(
        db.session.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        )
    )
    by_key = dict(zip(keys, comment_ids, strict=True))
    links = []
    for (owner_id, parent), comment_id in zip(parents, comment_ids, strict=True):
        if parent and parent != "0":
            parent_id = by_key.get((owner_id, parent))
            if parent_id is None:
                summary.notes["评论的上级评论不在文件中，作为顶层评论导入"] += 1
            else:
                links.append({"b_id": comment_id, "b_parent": parent_id})
    if links:
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(parent_id=bindparam("b_parent")),
            links,
        )
    for row in rows:
        summary.imported[
            {"pingback": "pingback", "trackback": "trackback"}.get(
                str(row.get("type", "comment")), "评论"
            )
        ] += 1
    return [
        CommentMove(
            cid, row.get("article_id"), None, str(row["status"]), row.get("page_id")
        )
        for cid, row in zip(comment_ids, rows, strict=True)
    ]


def existing_pairs(model: Any, column: Any, values: Iterable[Any]) -> set[Any]:
    """Which of `values` the column already holds (one query per 500)."""
    wanted = list(dict.fromkeys(values))
    found: set[Any] = set()
    for start in range(0, len(wanted), 500):
        found.update(
            db.session.scalars(
                select(column).where(column.in_(wanted[start : start + 500]))
            )
        )
    return found
