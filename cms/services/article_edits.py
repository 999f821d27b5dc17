"""What the article editor submits: its shape rules, and the snapshots a
revision keeps (of a stored article, or of an edit not stored yet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, Category, Revision, User
from cms.services.article_access import PUBLISHED
from cms.services.article_writing import MAX_TITLE_LENGTH
from cms.services.errors import InvalidInput
from cms.services.revisions import Snapshot

MAX_BODY_LENGTH = 200_000
MAX_EXCERPT_LENGTH = 1_000
MAX_CONTRIBUTOR_LENGTH = 100
MAX_TAGS = 20
MAX_TAG_LENGTH = 100
MAX_SOURCE_URL_LENGTH = 512
ORIGINAL, REPRINT = "original", "reprint"


@dataclass(frozen=True)
class ArticleEdit:
    """What the editor submits. `contributor` None leaves the credit as it is
    (it is ignored for contributors anyway). `published_at` is aware UTC or
    None, and for editors and admins only: on a draft or pending article it
    is the planned time (None: publish now, when published); a published
    article keeps its time when it is None."""

    title: str
    body_markdown: str
    excerpt: str = ""
    category_id: int | None = None
    tags: tuple[str, ...] = ()
    contributor: str | None = None
    published_at: datetime | None = None
    allow_comments: bool = True
    show_tip: bool = True
    # The cover image (a media_files id; None: no cover), applied only when
    # `set_cover` is true, so callers that do not know covers keep them.
    cover_media_id: int | None = None
    set_cover: bool = False
    source: str = ORIGINAL  # or REPRINT, with source_url
    source_url: str = ""


# -- Snapshots ---------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def snapshot_of(article: Article) -> Snapshot:
    """The article's state as a revision keeps it: the texts, and the other
    fields as JSON values (category name, sorted tag names, contributor,
    status, publication time in ISO 8601 UTC, the two switches)."""
    return Snapshot(
        article.title,
        article.body_markdown,
        article.excerpt,
        {
            "category": article.category.name if article.category else None,
            "tags": sorted(tag.name for tag in article.tags),
            "contributor": article.contributor,
            "status": article.status.value,
            "published_at": _iso(article.published_at),
            "allow_comments": article.allow_comments,
            "show_tip": article.show_tip,
            "source": article.source,
            "source_url": article.source_url,
        },
    )


def changed_fields(before: Snapshot | None, after: Snapshot) -> frozenset[str]:
    """The names of what differs between two snapshots: "title", "body",
    "excerpt" and the field keys ("status", "category", "tags", …);
    {"created"} when there was no snapshot before."""
    if before is None:
        return frozenset({"created"})
    changed = {
        name
        for name, old, new in (
            ("title", before.title, after.title),
            ("body", before.body_markdown, after.body_markdown),
            ("excerpt", before.excerpt, after.excerpt),
        )
        if old != new
    }
    keys = before.fields.keys() | after.fields.keys()
    changed |= {k for k in keys if before.fields.get(k) != after.fields.get(k)}
    return frozenset(changed)


def proposed_snapshot(user: User, article: Article, edit: ArticleEdit) -> Snapshot:
    """What `article` would become if `user` saved `edit` (status unchanged):
    for comparing an edit that arrived too late with the saved state.
    Stores nothing."""
    category = db.session.get(Category, edit.category_id) if edit.category_id else None
    fields = snapshot_of(article).fields | {
        "category": category.name if category else None,
        "tags": sorted(tag_names(edit.tags)),
        "allow_comments": edit.allow_comments,
        "show_tip": edit.show_tip,
        "source": edit.source,
        "source_url": source_url_of(edit),
    }
    if user.is_staff:
        if edit.contributor is not None:
            fields["contributor"] = edit.contributor.strip()
        if edit.published_at is not None or article.status != PUBLISHED:
            fields["published_at"] = _iso(edit.published_at)
    return Snapshot(
        edit.title.strip(), edit.body_markdown, edit.excerpt.strip(), fields
    )


def latest_revision(article_id: int) -> Revision | None:
    """The article's newest revision (who saved last, and when), or None."""
    return db.session.scalar(
        select(Revision)
        .where(Revision.target_type == "article", Revision.target_id == article_id)
        .order_by(Revision.number.desc())
        .limit(1)
    )


# -- Checks ------------------------------------------------------------------


def source_url_of(edit: ArticleEdit) -> str:
    """The original's address kept for a reprint (none for an original)."""
    return edit.source_url.strip() if edit.source == REPRINT else ""


def tag_names(names: tuple[str, ...] | list[str]) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def check_edit(edit: ArticleEdit) -> None:
    """InvalidInput (with a message for people) when the edit breaks a rule
    of shape: title 1-200 characters, lengths, tags, an aware time."""
    title = edit.title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"标题须为 1-{MAX_TITLE_LENGTH} 个字符")
    if len(edit.body_markdown) > MAX_BODY_LENGTH:
        raise InvalidInput(f"正文最多 {MAX_BODY_LENGTH} 个字符")
    if len(edit.excerpt.strip()) > MAX_EXCERPT_LENGTH:
        raise InvalidInput(f"摘要最多 {MAX_EXCERPT_LENGTH} 个字符")
    if edit.contributor and len(edit.contributor.strip()) > MAX_CONTRIBUTOR_LENGTH:
        raise InvalidInput(f"投稿人署名最多 {MAX_CONTRIBUTOR_LENGTH} 个字符")
    tags = tag_names(edit.tags)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"标签最多 {MAX_TAGS} 个")
    if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise InvalidInput(f"每个标签最多 {MAX_TAG_LENGTH} 个字符")
    if edit.source not in (ORIGINAL, REPRINT):
        raise InvalidInput("来源须为原创或转载")
    if edit.source == REPRINT:
        parts = urlsplit(edit.source_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("转载的文章请填写原文链接（http:// 或 https:// 开头）")
        if len(edit.source_url.strip()) > MAX_SOURCE_URL_LENGTH:
            raise InvalidInput(f"原文链接最多 {MAX_SOURCE_URL_LENGTH} 个字符")
    if edit.published_at is not None and edit.published_at.tzinfo is None:
        raise InvalidInput("发布时间须带时区")
