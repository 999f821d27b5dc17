"""`flask cms import-wxr FILE`: a WordPress site's export, imported.

Streams the file (cms.text.wxr), so memory stays bounded whatever its size:
only the terms, the authors and the keys of the open batch are held. Writes
in batches (cms.services.import_store: one transaction, one event of each
kind a batch). What becomes what:

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

This module reads the file and hands each record on; the rest is split by
responsibility: cms.services.wxr_items (what an item becomes, as rows),
cms.services.wxr_terms (the run's state; authors, categories and tags as
ids) and cms.services.wxr_batches (writing the rows in batches).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from cms.services.errors import InvalidInput
from cms.services.import_media import UploadsFolder
from cms.services.imports import Summary
from cms.services.wxr_batches import Batch, resolve_parents
from cms.services.wxr_items import page_row, post_article
from cms.services.wxr_terms import ImportState, author_id, import_terms
from cms.text.wxr import Author, Item, Site, Term, WxrError, read_wxr

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


def _source_of(site: Site) -> str:
    return (site.base_blog_url or site.link or site.base_site_url or "wxr").rstrip("/")


def _item(item: Item, state: ImportState, batch: Batch) -> None:
    if not state.terms_done:
        import_terms(state)
        if state.media is not None:
            state.media.store_all(
                state.pending_media, lambda login: author_id(state, login)
            )
            state.pending_media = []
    kind = item.post_type
    if kind == "post":
        article = post_article(item, state)
        if article is not None:
            batch.add(article)
    elif kind == "page":
        batch.add_page(page_row(item, state))
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
    state: ImportState | None = None
    batch: Batch | None = None
    for record in read_wxr(stream):
        if isinstance(record, Site):
            state = ImportState(_source_of(record), summary, uploads, progress,
                           {}, {}, [], {}, {}, {}, {})  # fmt: skip
            if uploads is not None:
                state.media = UploadsFolder(uploads, state.source, summary)
                state.pending_media = attachments
            batch = Batch(state)
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
        import_terms(state)
    batch.flush()
    resolve_parents(state, batch)
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
