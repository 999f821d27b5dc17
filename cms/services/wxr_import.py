"""`flask cms import-wxr FILE`: a WordPress site's export, imported.

Streams the file (cms.text.wxr), so memory stays bounded whatever its size:
only the terms, the authors and the keys of the open batch are held. Writes
in batches (cms.services.imports: one transaction, one event of each kind a
batch). What becomes what:

- posts -> articles: publish/future -> published at their GMT date (a future
  one stays hidden until then), draft/pending/private -> draft/pending/draft,
  trash -> trash; sticky -> pinned; a password -> a protected article (the
  password stored hashed); the body kept as HTML (sanitised, shortcodes and
  block comments handled by cms.text.wordpress); the written excerpt, or
  the part before <!--more-->, as the excerpt; the first category as the
  category and the others as tags of the same name; tags as tags;
- pages -> pages, with their hierarchy (parents resolved at the end when a
  child comes first); a page open for comments in WordPress
  (`comment_status` open) allows comments here;
- comments, pingbacks, trackbacks (on posts and on pages) with their
  threading and status; an empty e-mail or an over-long field does not
  stop them;
- authors -> inactive contributors without a password;
- attachments: with `--uploads DIR` (a local copy of wp-content/uploads),
  their image files go into the media library (cms.services.import_media:
  checked and cleaned like any upload, owned by their author), the bodies
  point at them, and a post's featured image (`_thumbnail_id`) becomes its
  cover; the file is read twice for this (attachments first, as they may
  come after the posts showing them). Without it, or for a file missing or
  refused, the remote URLs stay and the attachment is reported as skipped;
- old links: each post's and page's permalink path, and `?p=ID` /
  `?page_id=ID`, answer 301 to the new address (cms.services.legacy_links).

A second run with the same file changes nothing: every item's key is
remembered per source site (ImportKey).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import insert, select, update

from cms.database import write_transaction
from cms.events import IMPORT, CommentsChanged, ContentImported, TaxonomyChanged, emit
from cms.extensions import db
from cms.models import ArticleStatus, CommentStatus, CommentType, Page, PageStatus
from cms.services import imports
from cms.services.articles import render_body
from cms.services.errors import InvalidInput
from cms.services.import_media import UploadsFolder
from cms.services.imports import NewArticle, Summary
from cms.services.passwords import hash_password
from cms.text.excerpt import derive_excerpt, html_to_text
from cms.text.wordpress import Converted, comment_text, convert_body
from cms.text.wxr import Author, Item, Site, Term, WxrError, read_wxr

BATCH_ROWS = 2000  # articles + comments written per transaction
POST_STATUS = {
    "publish": ArticleStatus.PUBLISHED,
    "future": ArticleStatus.PUBLISHED,
    "draft": ArticleStatus.DRAFT,
    "auto-draft": ArticleStatus.DRAFT,
    "pending": ArticleStatus.PENDING,
    "private": ArticleStatus.DRAFT,
    "trash": ArticleStatus.TRASH,
}
PAGE_STATUS = {"publish": PageStatus.PUBLISHED, "trash": PageStatus.TRASH}
COMMENT_STATUS = {
    "1": CommentStatus.APPROVED,
    "approve": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.TRASH,
    "post-trashed": CommentStatus.TRASH,
}
COMMENT_TYPE = {"": CommentType.COMMENT, "comment": CommentType.COMMENT,
                "pingback": CommentType.PINGBACK,
                "trackback": CommentType.TRACKBACK}  # fmt: skip
IGNORED_TYPES = {
    "nav_menu_item": "导航菜单项（本站菜单请在后台设置）",
    "revision": "修订版本",
    "wp_navigation": "区块导航",
    "wp_global_styles": "主题样式",
    "wp_template": "主题模板",
    "wp_template_part": "主题模板",
    "custom_css": "自定义 CSS",
    "customize_changeset": "主题定制记录",
    "oembed_cache": "嵌入缓存",
    "wp_block": "可重用区块",
}


@dataclass
class _State:
    source: str
    summary: Summary
    uploads: Path | None
    progress: Callable[[int], None]
    authors: dict[str, tuple[str, str]]  # login -> (display name, email)
    author_ids: dict[str, int]
    terms: list[Term]
    category_ids: dict[str, int]  # slug -> id
    category_names: dict[str, str]  # slug -> name
    tag_ids: dict[str, int]  # slug -> id
    attachments: dict[str, str]  # attachment id -> URL (for [gallery])
    media: UploadsFolder | None = None
    pending_media: list[Item] = field(default_factory=list)
    terms_done: bool = False


def _source_of(site: Site) -> str:
    return (site.base_blog_url or site.link or site.base_site_url or "wxr").rstrip("/")


def _author_id(state: _State, login: str) -> int:
    if login not in state.author_ids:
        display, _ = state.authors.get(login, (login, ""))
        state.author_ids[login] = imports.imported_author(
            state.source, login, display, state.summary
        )
    return state.author_ids[login]


def _import_terms(state: _State) -> None:
    """Categories (with their tree) and tags declared at the top of the file."""
    state.terms_done = True
    created: dict[str, list[int]] = {"category": [], "tag": []}
    with write_transaction():
        categories = [t for t in state.terms if t.taxonomy == "category"]
        for term in categories:
            key = term.slug or term.name
            known = imports.known_keys(state.source, "category", [key])
            if key in known:
                state.category_ids[key] = known[key]
                state.summary.unchanged["分类"] += 1
                continue
            category_id, new = imports.ensure_category(term.name, term.slug)
            state.category_ids[key] = category_id
            imports.remember_keys(state.source, "category", [(key, category_id)])
            if new:
                created["category"].append(category_id)
                state.summary.imported["分类"] += 1
            else:
                state.summary.unchanged["分类"] += 1
            state.category_names[key] = term.name
        for term in categories:  # the tree, once every category exists
            parent = state.category_ids.get(term.parent)
            child = state.category_ids.get(term.slug or term.name)
            if parent and child and child in created["category"]:
                db.session.execute(
                    update(imports.Category).where(imports.Category.id == child)
                    .values(parent_id=parent)
                )  # fmt: skip
        for term in state.terms:
            if term.taxonomy == "post_tag":
                _tag(state, term.slug, term.name, created["tag"])
            elif term.taxonomy not in ("category", "post_tag"):
                state.summary.skip("其他分类法", f"{term.taxonomy}（本站不支持）")
        for kind, ids in created.items():
            if ids:
                emit(TaxonomyChanged(kind, tuple(ids)))  # type: ignore[arg-type]
    state.terms = []


def _tag(state: _State, slug: str, name: str, created: list[int] | None = None) -> int:
    key = slug or name
    if key in state.tag_ids:
        return state.tag_ids[key]
    known = imports.known_keys(state.source, "tag", [key])
    if key in known:
        state.summary.unchanged["标签"] += 1
        state.tag_ids[key] = known[key]
        return known[key]
    tag_id, new = imports.ensure_tag(name or slug, slug)
    imports.remember_keys(state.source, "tag", [(key, tag_id)])
    state.tag_ids[key] = tag_id
    if new:
        state.summary.imported["标签"] += 1
        if created is not None:
            created.append(tag_id)
    else:
        state.summary.unchanged["标签"] += 1
    return tag_id


def _category(state: _State, slug: str, name: str) -> int:
    key = slug or name
    if key not in state.category_ids:  # used by a post, not declared (WXR 1.0)
        category_id, new = imports.ensure_category(name, slug)
        imports.remember_keys(state.source, "category", [(key, category_id)])
        state.category_ids[key] = category_id
        state.summary.imported["分类"] += int(new)
    state.category_names.setdefault(key, name)
    return state.category_ids[key]


def _links(item: Item, state: _State, query: str) -> list[str]:
    links = [imports.link_key(item.link) if item.link else None]
    links.append(f"?{query}={item.post_id}")
    if item.guid and "?" in item.guid:
        links.append(imports.link_key(item.guid))
    return [link for link in links if link]


def _body(item: Item, state: _State) -> Converted:
    """The item's body as HTML, its stored attachments pointing here."""
    body = convert_body(item.content, state.attachments.get)
    if state.media is None:
        return body
    return Converted(state.media.rewrite(body.html),
                     state.media.rewrite(body.before_more))  # fmt: skip


def _cover(item: Item, state: _State) -> int | None:
    """The media id of a post's featured image, when it was stored."""
    thumbnail = item.meta.get("_thumbnail_id", "").strip()
    if state.media is None or not thumbnail:
        return None
    return state.media.media_id_of(thumbnail)


def _post(item: Item, state: _State) -> NewArticle | None:
    status = POST_STATUS.get(item.status)
    if status is None:
        state.summary.skip("文章", f"状态 {item.status or '（空）'} 不支持")
        return None
    if item.status == "private":
        state.summary.notes["私密文章作为草稿导入"] += 1
    when = imports.parse_time(item.post_date_gmt) or imports.parse_time(item.post_date)
    body = _body(item, state)
    excerpt = html_to_text(item.excerpt) or html_to_text(body.before_more)
    display = state.authors.get(item.creator, (item.creator, ""))[0]
    published = when if status == ArticleStatus.PUBLISHED else None
    if status == ArticleStatus.PUBLISHED and published is None:
        published = imports.utcnow()
    values = imports.article_values(
        title=imports.clean_title(item.title, state.summary),
        body=body.html,
        body_format="html",
        excerpt=excerpt[:1000],
        status=status,
        published_at=published,
        contributor=display[:100],
        allow_comments=item.comment_status != "closed",
        sticky=item.sticky,
        password_hash=hash_password(item.password) if item.password else None,
        created_at=when or imports.utcnow(),
        updated_at=when or imports.utcnow(),
        cover_media_id=_cover(item, state),
    )
    article = NewArticle(item.post_id, values, links=_links(item, state, "p"))
    article.refs = {"author": item.creator, "terms": item.terms}
    article.comments = _comments(item, state, when)
    return article


def _comments(item: Item, state: _State, when: datetime | None) -> list[dict[str, Any]]:
    """The comments of a post or page, as rows for imports.write_comments
    (their `key` and `parent` thread them); unsupported kinds are skipped."""
    comments: list[dict[str, Any]] = []
    for comment in item.comments:
        kind = COMMENT_TYPE.get(comment.type)
        status_ = COMMENT_STATUS.get(comment.approved)
        if kind is None or status_ is None:
            state.summary.skip(
                "评论", f"类型 {comment.type!r} / 状态 {comment.approved!r} 不支持"
            )
            continue
        created = imports.parse_time(comment.date_gmt) or imports.parse_time(
            comment.date
        )
        comments.append({
            "key": comment.comment_id,
            "parent": comment.parent,
            "type": kind,
            "status": status_,
            "author_name": comment.author.strip(),
            "author_email": comment.author_email,
            "author_url": comment.author_url,
            "ip": comment.author_ip or None,
            "user_agent": comment.agent or None,
            "body": comment_text(comment.content) or "（空）",
            "created_at": created or when or imports.utcnow(),
            "reasons": [{"code": "imported", "params": {}}],
        })  # fmt: skip
    return comments


def _resolve_refs(article: NewArticle, state: _State) -> None:
    """Author, category and tags as ids (created when new), in the batch's
    transaction. One category here: the first is the category, the others
    become tags of the same name, so the article is still found under each."""
    terms = article.refs.get("terms", [])
    categories = [(s, n) for d, s, n in terms if d == "category"]
    tags = [_tag(state, s, n) for d, s, n in terms if d == "post_tag"]
    category_id = None
    if categories:
        category_id = _category(state, *categories[0])
        for slug, name in categories[1:]:
            _category(state, slug, name)
            tags.append(_tag(state, "", name))
        if len(categories) > 1:
            state.summary.notes["文章的第二个及以后的分类作为同名标签"] += 1
    article.values["category_id"] = category_id
    article.values["owner_id"] = _author_id(state, article.refs.get("author", ""))
    article.tag_ids = tags


class _Batch:
    """Articles waiting to be written, and pages (written at once: few)."""

    def __init__(self, state: _State) -> None:
        self.state = state
        self.articles: list[NewArticle] = []
        self.pages: list[_NewPage] = []
        self.rows = 0
        self.pending_parents: list[tuple[int, str]] = []

    def add(self, article: NewArticle) -> None:
        self.articles.append(article)
        self.rows += 1 + len(article.comments)
        if self.rows >= BATCH_ROWS:
            self.flush()

    def add_page(self, page: _NewPage) -> None:
        self.pages.append(page)
        self.rows += 1 + len(page.comments)
        if self.rows >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.articles and not self.pages:
            return
        state = self.state
        with write_transaction():
            page_ids = _write_pages(state, self.pages, self)
            if page_ids:
                emit(ContentImported(page_ids=tuple(page_ids)))
            known = imports.known_keys(
                state.source, "post", [a.key for a in self.articles]
            )
            fresh = [a for a in self.articles if a.key not in known]
            for article in fresh:
                _resolve_refs(article, state)
            state.summary.unchanged["文章"] += len(self.articles) - len(fresh)
            imports.write_articles(state.source, fresh, state.summary)
            state.summary.imported["文章"] += len(fresh)
        self.articles, self.pages, self.rows = [], [], 0


def _page(item: Item, state: _State, batch: _Batch) -> None:
    """Queue a page for the batch (pages are written with the articles)."""
    summary = state.summary
    status = PAGE_STATUS.get(item.status, PageStatus.DRAFT)
    if item.status not in PAGE_STATUS and item.status != "draft":
        summary.notes[f"状态为 {item.status} 的页面作为草稿导入"] += 1
    if item.password:
        summary.notes["受密码保护的页面作为草稿导入（页面不支持密码）"] += 1
        status = PageStatus.DRAFT
    body = _body(item, state)
    title = imports.clean_title(item.title, summary)
    when = imports.parse_time(item.post_date_gmt) or imports.parse_time(item.post_date)
    body_html = render_body(body.html, "html")
    values = {
        "title": title,
        "slug": imports.term_slug(item.post_name, title)[:190],
        "body_format": "html",
        "body_markdown": body.html,
        "body_html": body_html,
        "summary": derive_excerpt(body_html),
        "status": status,
        "position": int(item.menu_order) if item.menu_order.isdigit() else 0,
        "allow_comments": item.comment_status == "open",
        "created_at": when or imports.utcnow(),
        "updated_at": when or imports.utcnow(),
    }
    links = [*_links(item, state, "page_id"), f"?p={item.post_id}"]
    page = _NewPage(item.post_id, values, links, item.parent, item.creator,
                    _comments(item, state, when))  # fmt: skip
    batch.add_page(page)


@dataclass
class _NewPage:
    key: str
    values: dict[str, Any]
    links: list[str]
    parent: str
    creator: str
    comments: list[dict[str, Any]] = field(default_factory=list)


def _write_pages(state: _State, pages: list[_NewPage], batch: _Batch) -> list[int]:
    """Write the batch's new pages (in its transaction); parents are linked
    at the end of the import, when every page is there."""
    known = imports.known_keys(state.source, "page", [p.key for p in pages])
    fresh = [p for p in pages if p.key not in known]
    state.summary.unchanged["页面"] += len(pages) - len(fresh)
    if not fresh:
        return []
    taken = imports.existing_pairs(Page, Page.slug, [p.values["slug"] for p in fresh])
    for page in fresh:
        slug, n = page.values["slug"], 2
        base = slug
        while slug in taken or db.session.scalar(
            select(Page.id).where(Page.slug == slug)
        ):
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        page.values["slug"] = slug
        page.values["owner_id"] = _author_id(state, page.creator)
    ids = list(
        db.session.scalars(
            insert(Page).returning(Page.id, sort_by_parameter_order=True),
            [p.values for p in fresh],
        )
    )
    imports.remember_keys(
        state.source, "page", [(p.key, i) for p, i in zip(fresh, ids, strict=True)]
    )
    imports.remember_links(
        (link, None, page_id)
        for page, page_id in zip(fresh, ids, strict=True)
        for link in page.links
    )
    for page, page_id in zip(fresh, ids, strict=True):
        if page.parent and page.parent != "0":
            batch.pending_parents.append((page_id, page.parent))
    state.summary.imported["页面"] += len(fresh)
    moves = imports.write_comments(
        "page_id",
        [(page_id, page.comments) for page, page_id in zip(fresh, ids, strict=True)],
        state.summary,
    )
    if moves:
        emit(CommentsChanged.of_moves(moves, origin=IMPORT))
    return ids


def _resolve_parents(state: _State, batch: _Batch) -> None:
    if not batch.pending_parents:
        return
    with write_transaction():
        known = imports.known_keys(
            state.source, "page", [p for _, p in batch.pending_parents]
        )
        for page_id, parent in batch.pending_parents:
            if parent in known:
                db.session.execute(
                    update(Page)
                    .where(Page.id == page_id)
                    .values(parent_id=known[parent])
                )
            else:
                state.summary.notes["页面的上级页面不在文件中，作为顶层页面导入"] += 1
        emit(ContentImported(page_ids=tuple(p for p, _ in batch.pending_parents)))


def _item(item: Item, state: _State, batch: _Batch) -> None:
    if not state.terms_done:
        _import_terms(state)
        if state.media is not None:
            state.media.store_all(
                state.pending_media, lambda login: _author_id(state, login)
            )
            state.pending_media = []
    kind = item.post_type
    if kind == "post":
        article = _post(item, state)
        if article is not None:
            batch.add(article)
    elif kind == "page":
        _page(item, state, batch)
    elif kind == "attachment":
        local = state.media.url_of(item.post_id) if state.media else None
        if local or item.attachment_url:
            state.attachments[item.post_id] = local or item.attachment_url
        if state.media is None:
            state.summary.skip(
                "附件", "未指定上传目录（--uploads）：正文中保留原站的远程地址"
            )
    else:
        reason = IGNORED_TYPES.get(kind, f"类型 {kind}（本站不支持）")
        state.summary.skip("其他条目", reason)


def _attachments(stream: IO[bytes]) -> list[Item]:
    """The attachments of a WXR stream (a first pass; the stream is put back
    where it was), so they are stored before the posts that show them."""
    start = stream.tell()
    found = [
        record
        for record in read_wxr(stream)
        if isinstance(record, Item) and record.post_type == "attachment"
    ]
    stream.seek(start)
    return found


def import_wxr(
    stream: IO[bytes],
    uploads: Path | None = None,
    progress: Callable[[int], None] = lambda _done: None,
) -> Summary:
    """Import a WXR stream (see the module docstring); `progress(bytes read)`
    is called as it goes. WxrError (an InvalidInput) when the file is not WXR;
    what was written before stays (a second run continues where it stopped)."""
    summary = Summary()
    attachments = _attachments(stream) if uploads is not None else []
    state: _State | None = None
    batch: _Batch | None = None
    for record in read_wxr(stream):
        if isinstance(record, Site):
            state = _State(_source_of(record), summary, uploads, progress,
                           {}, {}, [], {}, {}, {}, {})  # fmt: skip
            if uploads is not None:
                state.media = UploadsFolder(uploads, state.source, summary)
                state.pending_media = attachments
            batch = _Batch(state)
            continue
        assert state is not None and batch is not None
        if isinstance(record, Author):
            state.authors[record.login] = (record.display_name, record.email)
        elif isinstance(record, Term):
            state.terms.append(record)
        elif isinstance(record, Item):
            _item(record, state, batch)
            progress(stream.tell())
    if state is None or batch is None:
        raise WxrError("文件中没有 WordPress 站点信息")
    if not state.terms_done:
        _import_terms(state)
    batch.flush()
    _resolve_parents(state, batch)
    return summary


def import_wxr_file(
    path: str | Path,
    uploads: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Import the WXR file at `path`; InvalidInput when it is not WXR."""
    with open(path, "rb") as stream:
        try:
            return import_wxr(stream, uploads, progress or (lambda _done: None))
        except WxrError as exc:
            raise InvalidInput(str(exc)) from None
