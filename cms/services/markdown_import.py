"""`flask cms import-markdown DIR`: a folder of Markdown posts as Hexo, Hugo
and Jekyll write them, imported as articles.

- Files: every `*.md` / `*.markdown` under DIR (Hugo's `_index.md` section
  pages aside; a page bundle's `index.md` takes its folder's name); files
  under `_drafts` (Jekyll) are drafts.
- Front matter (cms.text.front_matter): title (else the file name), date
  (a date without a zone is in the site's time zone, `site.timezone`),
  updated / lastmod, tags, categories, draft / published: false, author,
  description / excerpt / summary (else the part before `<!-- more -->`).
  Hexo's category list is a path (`[技术, Python]`: Python under 技术; a list
  of lists: several paths; the article takes the first path's last
  category, the others become tags); Hugo's and Jekyll's are flat (the
  first is the category, the others become tags).
- `layout: page` files are reported as skipped (pages are written in the
  editors' area).
- Images referenced by relative path (`![alt](images/a.png)`, inside DIR)
  go into the media library, owned by the article's author and checked and
  cleaned like any upload (cms.services.import_media), and the text points
  at them; a missing or refused image stays as written and is reported.
  Images of a file imported before are not stored again.
- Old links: the front matter's `permalink` / `url`, Hugo's `aliases`, and
  the `--permalink` pattern (`:year/:month/:day/:title/`, with `:i_month`,
  `:i_day`, `:slug`, `:title`, `:category`, `:filename`) applied to the date
  and slug (front matter `slug`, else the file name without Jekyll's date
  prefix) answer 301 to the article.

Batches, events, counters and idempotence as cms.services.import_store says;
each file is known by its path under DIR.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from cms.database import write_transaction
from cms.events import TaxonomyChanged, emit
from cms.models import ArticleStatus
from cms.services import import_store, imports
from cms.services.errors import InvalidInput
from cms.services.import_media import file_under, store_file
from cms.services.imports import NewArticle, Summary
from cms.services.settings import current_settings
from cms.text.excerpt import html_to_text
from cms.text.front_matter import (
    FrontMatterError,
    as_list,
    split_front_matter,
    split_more,
)
from cms.text.markdown import render_markdown

BATCH_ROWS = 500
DEFAULT_AUTHOR = "博主"
_JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")
_NOT_RELATIVE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/|#)", re.I)
_TOKEN = re.compile(
    r":(year|month|day|i_month|i_day|hour|minute|second|title|slug|category|filename)"
)


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in (".md", ".markdown") and path.is_file():
            if path.name == "_index.md":
                continue
            if any(
                part.startswith(".") or part == "node_modules" for part in path.parts
            ):
                continue
            yield path


def _flavor(root: Path, path: Path, data: dict[str, Any], toml: bool) -> str:
    parts = path.relative_to(root).parts
    if toml or (root / "hugo.toml").exists() or (root / "config.toml").exists():
        return "hugo"
    if "source" in parts or (root / "scaffolds").exists():
        return "hexo"
    if (root / "_config.yml").exists() and (root / "_posts").exists():
        return "jekyll"
    if "_posts" in parts:
        return "hexo" if (root / "scaffolds").exists() else "jekyll"
    return "hugo" if "content" in parts else "jekyll"


def _when(value: Any, zone: ZoneInfo) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            try:
                moment = datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")
            except ValueError:
                return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _category_paths(value: Any, flavor: str) -> list[list[str]]:
    """Categories as paths from the top: Hexo's list is one path (a nested
    list: several); the others' lists are separate one-level categories."""
    items = as_list(value)
    if not items:
        return []
    if flavor == "hexo":
        if any(isinstance(i, list) for i in items):
            return [[str(x) for x in as_list(i)] for i in items if as_list(i)]
        return [[str(i) for i in items]]
    return [[str(i)] for i in items]


def _slug_of(path: Path, root: Path, data: dict[str, Any]) -> tuple[str, str]:
    """(slug, the file's own name) of a post."""
    name = (
        path.parent.name if path.stem == "index" and path.parent != root else path.stem
    )
    match = _JEKYLL_NAME.match(name)
    bare = match.group(4) if match else name
    return str(data.get("slug") or bare), name


def _permalink(
    pattern: str, when: datetime | None, slug: str, name: str, category: str
) -> str:
    if when is None and any(t in pattern for t in (":year", ":month", ":day")):
        return ""
    local = when or datetime.now(UTC)
    values = {
        "year": f"{local.year:04d}", "month": f"{local.month:02d}",
        "day": f"{local.day:02d}", "i_month": str(local.month), "i_day": str(local.day),
        "hour": f"{local.hour:02d}", "minute": f"{local.minute:02d}",
        "second": f"{local.second:02d}", "title": slug, "slug": slug,
        "category": category, "filename": name,
    }  # fmt: skip
    link = _TOKEN.sub(lambda m: values[m.group(1)], pattern)
    return link if link.startswith("/") else "/" + link


class _Run:
    def __init__(self, root: Path, pattern: str | None, summary: Summary) -> None:
        self.root = root
        self.pattern = pattern
        self.summary = summary
        self.source = f"markdown:{root.resolve()}"
        self.zone = ZoneInfo(current_settings()["site.timezone"])
        self.batch: list[NewArticle] = []
        self.rows = 0
        self.authors: dict[str, int] = {}
        self.images: dict[str, str] = {}  # a file under DIR -> its URL here
        self.categories: dict[tuple[str, ...], int] = {}
        self.tags: dict[str, int] = {}
        self.created: dict[str, list[int]] = {"category": [], "tag": []}

    # -- one file ------------------------------------------------------------

    def read(self, path: Path) -> None:
        key = path.relative_to(self.root).as_posix()
        try:
            text = path.read_text(encoding="utf-8-sig")
            data, body = split_front_matter(text)
        except (UnicodeDecodeError, FrontMatterError) as exc:
            self.summary.skip("文章", f"无法读取（{type(exc).__name__}）")
            return
        toml = text.lstrip("\ufeff").startswith("+++")
        flavor = _flavor(self.root, path, data, toml)
        if str(data.get("layout", "")).lower() == "page":
            self.summary.skip("页面", "layout: page 的文件（页面请在后台编写）")
            return
        draft = (
            bool(data.get("draft"))
            or data.get("published") is False
            or "_drafts" in path.relative_to(self.root).parts
        )
        when = _when(data.get("date"), self.zone)
        if when is None:
            match = _JEKYLL_NAME.match(path.stem)
            if match:
                when = _when("-".join(match.groups()[:3]), self.zone)
        updated = _when(data.get("updated") or data.get("lastmod"), self.zone)
        slug, name = _slug_of(path, self.root, data)
        before_more, body = split_more(body)
        excerpt = str(
            data.get("description") or data.get("excerpt") or data.get("summary") or ""
        ).strip()
        if not excerpt and before_more:
            excerpt = html_to_text(render_markdown(before_more))
        paths = _category_paths(data.get("categories") or data.get("category"), flavor)
        tags = [str(t) for t in as_list(data.get("tags")) if str(t).strip()]
        author = str(data.get("author") or DEFAULT_AUTHOR)
        body = self._images(body, path, key, author)
        status = ArticleStatus.DRAFT if draft else ArticleStatus.PUBLISHED
        values = imports.article_values(
            title=imports.clean_title(str(data.get("title") or name), self.summary),
            body=body.strip() + "\n",
            body_format="markdown",
            excerpt=excerpt[:1000],
            status=status,
            published_at=(when or imports.utcnow()) if not draft else None,
            created_at=when or imports.utcnow(),
            updated_at=updated or when or imports.utcnow(),
        )
        links = [str(data[k]) for k in ("permalink", "url") if data.get(k)]
        links += [str(a) for a in as_list(data.get("aliases"))]
        if self.pattern:
            first = paths[0][-1] if paths else ""
            local = when.astimezone(self.zone) if when else None
            links.append(_permalink(self.pattern, local, slug, name, first))
        article = NewArticle(key, values)
        article.links = [
            k for k in (imports.link_key(link) for link in links if link) if k
        ]
        article.refs = {"author": author, "paths": paths, "tags": tags}
        self.batch.append(article)
        self.rows += 1
        if self.rows >= BATCH_ROWS:
            self.flush()

    def _images(self, body: str, path: Path, key: str, author: str) -> str:
        """`body` with its relative images stored and pointing here (see the
        module docstring)."""
        wanted = [m for m in _IMAGE.finditer(body) if not _NOT_RELATIVE.match(m[1])]
        if not wanted:
            return body
        with write_transaction():
            if import_store.known_keys(self.source, "post", [key]):
                return body  # imported before: skipped whole at the flush
            uploader = self._author(author)
        out, end = [], 0
        for match in wanted:
            url = self._image(path.parent, unquote(match[1]), uploader)
            if url is not None:
                out += [body[end : match.start(1)], url]
                end = match.end(1)
        return "".join(out) + body[end:]

    def _image(self, folder: Path, reference: str, uploader: int) -> str | None:
        """The stored URL of one referenced image, or None (reported)."""
        relative = posixpath.normpath(
            (folder.relative_to(self.root) / reference).as_posix()
        )
        if relative in self.images:
            return self.images[relative]
        path = file_under(self.root, relative)
        if path is None:
            self.summary.skip("图片", "相对路径的图片不在目录中，保留原写法")
            return None
        try:
            _media_id, url = store_file(path, uploader)
        except InvalidInput as exc:
            self.summary.skip("图片", f"不是可接受的图片（{exc}），保留原写法")
            return None
        self.summary.imported["图片"] += 1
        self.images[relative] = url
        return url

    # -- a batch -------------------------------------------------------------

    def _category(self, path: list[str]) -> int:
        parent: int | None = None
        for depth in range(1, len(path) + 1):
            key = tuple(path[:depth])
            if key not in self.categories:
                found = import_store.known_keys(
                    self.source, "category", ["/".join(key)]
                )
                if found:
                    self.categories[key] = found["/".join(key)]
                else:
                    name = key[-1]
                    category_id, new = import_store.ensure_category(name, "", parent)
                    import_store.remember_keys(
                        self.source, "category", [("/".join(key), category_id)]
                    )
                    if new:
                        self.created["category"].append(category_id)
                        self.summary.imported["分类"] += 1
                    self.categories[key] = category_id
            parent = self.categories[key]
        assert parent is not None
        return parent

    def _tag(self, name: str) -> int:
        if name not in self.tags:
            tag_id, new = import_store.ensure_tag(name, "")
            if new:
                self.created["tag"].append(tag_id)
                self.summary.imported["标签"] += 1
            self.tags[name] = tag_id
        return self.tags[name]

    def _author(self, name: str) -> int:
        if name not in self.authors:
            self.authors[name] = import_store.imported_author(
                self.source, name, name, self.summary
            )
        return self.authors[name]

    def flush(self) -> None:
        if not self.batch:
            return
        with write_transaction():
            known = import_store.known_keys(
                self.source, "post", [a.key for a in self.batch]
            )
            fresh = [a for a in self.batch if a.key not in known]
            self.summary.unchanged["文章"] += len(self.batch) - len(fresh)
            for article in fresh:
                paths = article.refs["paths"]
                article.values["category_id"] = (
                    self._category(paths[0]) if paths else None
                )
                extra = [p[-1] for p in paths[1:]]
                article.tag_ids = [
                    self._tag(t) for t in [*article.refs["tags"], *extra]
                ]
                article.values["owner_id"] = self._author(article.refs["author"])
            import_store.write_articles(self.source, fresh, self.summary)
            self.summary.imported["文章"] += len(fresh)
            for kind, ids in self.created.items():
                if ids:
                    emit(TaxonomyChanged(kind, tuple(ids)))  # type: ignore[arg-type]
        self.created = {"category": [], "tag": []}
        self.batch, self.rows = [], 0


def import_markdown(
    root: str | Path,
    permalink: str | None = None,
    progress: Callable[[int], None] = lambda _done: None,
) -> Summary:
    """Import the Markdown posts under `root` (see the module docstring);
    `progress(files read)` is called as it goes."""
    root = Path(root)
    summary = Summary()
    run = _Run(root, permalink, summary)
    for done, path in enumerate(_files(root), start=1):
        run.read(path)
        progress(done)
    run.flush()
    return summary


def count_files(root: str | Path) -> int:
    """How many files import_markdown will read (for a progress bar)."""
    return sum(1 for _ in _files(Path(root)))
