"""What the importers (WordPress WXR, Markdown folders) share: the summary
they print, the keys that make a second run change nothing, the old links
that answer 301, accounts for imported authors, categories and tags, and
writing a batch of articles with their tags, comments and events.

Guarantees: a batch is one unit of work (many rows, one transaction); its
events are emitted once per batch (one ContentImported, one CommentsChanged
with origin IMPORT, so no held-comment mail goes out and the kept counts
follow through their one owner, cms.services.tallies); an item whose key is
already stored for the same source is left alone.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

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
    body_columns,
    new_public_id,
    utcnow,
)
from cms.services.article_writing import render_body
from cms.services.wordrules import public_title_of
from cms.text.excerpt import derive_excerpt
from cms.text.names import clean_name
from cms.text.slug import slugify

MAX_TITLE = 200
_USERNAME_BAD = re.compile(r"[^A-Za-z0-9_.-]+")
_ASCII_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass
class Summary:
    """What an import did, per type: imported, already there (a previous
    run), and skipped with the reason of each skip; notes for what was
    imported in another shape (a private post as a draft …)."""

    imported: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    skipped: defaultdict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    notes: Counter[str] = field(default_factory=Counter)

    def skip(self, kind: str, reason: str, count: int = 1) -> None:
        self.skipped[kind][reason] += count

    def lines(self) -> list[str]:
        """The summary as lines of text, one type a line, then the skips."""
        kinds = sorted(set(self.imported) | set(self.unchanged) | set(self.skipped))
        out = []
        for kind in kinds:
            skipped = sum(self.skipped[kind].values())
            out.append(
                f"{kind}: 导入 {self.imported[kind]}，已存在 {self.unchanged[kind]}，"
                f"跳过 {skipped}"
            )
            for reason, count in sorted(self.skipped[kind].items()):
                out.append(f"  跳过 {count}：{reason}")
        for note, count in sorted(self.notes.items()):
            out.append(f"注意 {count}：{note}")
        return out


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


def link_key(url_or_path: str) -> str | None:
    """The stored form of an old address: its path, percent-decoded, without
    a trailing slash ("/" for the root), plus `?p=N` style queries that
    name a post; None when there is nothing to remember."""
    parts = urlsplit(url_or_path.strip())
    path = unquote(parts.path or "/").rstrip("/") or "/"
    if parts.query:
        return f"{path}?{parts.query}" if path != "/" else f"?{parts.query}"
    return path if path != "/" else None


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


def term_slug(slug: str, name: str) -> str:
    """The old slug when it is already a plain ASCII slug (old category and
    tag URLs keep working), else readable pinyin of the name."""
    decoded = unquote(slug or "").strip().lower()
    if decoded and _ASCII_SLUG.match(decoded) and len(decoded) <= 200:
        return decoded
    return slugify(name or decoded or "term")


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


def clean_title(title: str, summary: Summary) -> str:
    """A title as text (HTML in it is shown escaped, never run), never empty,
    at most MAX_TITLE characters."""
    title = " ".join(title.split())
    if not title:
        summary.notes["无标题的文章以“（无标题）”为标题"] += 1
        return "（无标题）"
    if len(title) > MAX_TITLE:
        summary.notes[f"标题超过 {MAX_TITLE} 字，已截断"] += 1
        return title[: MAX_TITLE - 1] + "…"
    return title


@dataclass
class NewArticle:
    """An article to write in a batch, with what hangs on it."""

    key: str
    values: dict[str, Any]
    tag_ids: list[int] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)  # "key", "parent"
    # Names the importer resolves to ids inside the batch's transaction.
    refs: dict[str, Any] = field(default_factory=dict)


def article_values(
    *, title: str, body: str, body_format: str, excerpt: str, **values: Any
) -> dict[str, Any]:
    """The row of a new article: body rendered (and sanitised) as the editor
    would, with what the article page reads from it (body_columns), summary
    from the excerpt or the body, the title readers see through the word
    rules."""
    body_html = render_body(body, body_format)
    now = utcnow()
    row = {
        "public_id": new_public_id(),
        "title": title,
        "public_title": public_title_of(None, title),
        "body_markdown": body,
        "body_format": body_format,
        **body_columns(body_html),
        "excerpt": excerpt,
        "summary": excerpt or derive_excerpt(body_html),
        "created_at": now,
        "updated_at": now,
    }
    row.update(values)
    if row.get("password_hash"):
        row["summary"] = ""  # nothing of a protected body shows in lists
        row["excerpt"] = ""
    return row


_COMMENT_LIMITS = {"author_name": 255, "author_email": 254, "author_url": 512,
                   "ip": 45, "user_agent": 512}  # fmt: skip


def comment_values(values: dict[str, Any], summary: Summary) -> dict[str, Any]:
    """A comment row with over-long fields cut to what the columns hold (the
    old site's data is kept, not refused as the form would); the name
    without invisible characters (cms.text.names.clean_name)."""
    row = dict(values)
    row["author_name"] = clean_name(row.get("author_name"))
    for name, limit in _COMMENT_LIMITS.items():
        value = row.get(name)
        if value and len(value) > limit:
            row[name] = value[:limit]
            summary.notes[f"评论的 {name} 超过 {limit} 字符，已截断"] += 1
    if not row.get("author_name"):
        row["author_name"] = "匿名"
    return row


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


def parse_time(text: str) -> datetime | None:
    """`YYYY-MM-DD HH:MM:SS` (or ISO) as a UTC time; None for WordPress's
    zero date or anything unreadable."""
    from datetime import UTC

    text = (text or "").strip()
    if not text or text.startswith("0000"):
        return None
    try:
        value = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
