"""What the importers (WordPress WXR, Markdown folders) share before anything
is written: the summary they print, and what an imported item becomes as
plain values (an article's row, a comment's row, a title, a term's slug, an
old link's key, a time). Storing them is cms.services.import_store.

Guarantees: nothing here writes; a title is never empty and at most
MAX_TITLE characters; an article row has its body rendered and sanitised as
the editor would; a comment row fits its columns (an over-long field is cut,
never refused, and noted in the Summary).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from cms.models import (
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


# -- categories and tags -------------------------------------------------------


def term_slug(slug: str, name: str) -> str:
    """The old slug when it is already a plain ASCII slug (old category and
    tag URLs keep working), else readable pinyin of the name."""
    decoded = unquote(slug or "").strip().lower()
    if decoded and _ASCII_SLUG.match(decoded) and len(decoded) <= 200:
        return decoded
    return slugify(name or decoded or "term")


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
