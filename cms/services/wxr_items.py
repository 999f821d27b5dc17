"""What each WXR item becomes: a post's article row, a page's row and the
comments of either, as plain values for the batch writer
(cms.services.wxr_batches); nothing here writes.

Guarantees: statuses map as POST_STATUS, PAGE_STATUS and COMMENT_STATUS
say (a status not listed skips a post or a comment, with the reason in the
Summary; a page falls back to a draft, noted); a post's password is stored
hashed; bodies are converted from WordPress HTML (cms.text.wordpress) and,
when the uploads were stored, point at the local copies; every post and
page carries its old links (permalink path, `?p=ID`, `?page_id=ID`) for the
301s of cms.services.legacy_links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cms.models import ArticleStatus, CommentStatus, CommentType, PageStatus
from cms.services import imports
from cms.services.article_writing import render_body
from cms.services.imports import NewArticle
from cms.services.passwords import hash_password
from cms.services.wxr_terms import ImportState
from cms.text.excerpt import derive_excerpt, html_to_text
from cms.text.wordpress import Converted, comment_text, convert_body
from cms.text.wxr import Item

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


@dataclass
class NewPage:
    key: str
    values: dict[str, Any]
    links: list[str]
    parent: str
    creator: str
    comments: list[dict[str, Any]] = field(default_factory=list)


def _time(gmt: str, local: str) -> datetime | None:
    """When an item or a comment was written: its GMT time, else its local
    one (None when neither reads)."""
    return imports.parse_time(gmt) or imports.parse_time(local)


def _links(item: Item, query: str) -> list[str]:
    links = [imports.link_key(item.link) if item.link else None]
    links.append(f"?{query}={item.post_id}")
    if item.guid and "?" in item.guid:
        links.append(imports.link_key(item.guid))
    return [link for link in links if link]


def _body(item: Item, state: ImportState) -> Converted:
    """The item's body as HTML, its stored attachments pointing here."""
    body = convert_body(item.content, state.attachments.get)
    if state.media is None:
        return body
    return Converted(state.media.rewrite(body.html),
                     state.media.rewrite(body.before_more))  # fmt: skip


def _cover(item: Item, state: ImportState) -> int | None:
    """The media id of a post's featured image, when it was stored."""
    thumbnail = item.meta.get("_thumbnail_id", "").strip()
    if state.media is None or not thumbnail:
        return None
    return state.media.media_id_of(thumbnail)


def post_article(item: Item, state: ImportState) -> NewArticle | None:
    status = POST_STATUS.get(item.status)
    if status is None:
        state.summary.skip("文章", f"状态 {item.status or '（空）'} 不支持")
        return None
    if item.status == "private":
        state.summary.notes["私密文章作为草稿导入"] += 1
    when = _time(item.post_date_gmt, item.post_date)
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
    article = NewArticle(item.post_id, values, links=_links(item, "p"))
    article.refs = {"author": item.creator, "terms": item.terms}
    article.comments = _comments(item, state, when)
    return article


def _comments(
    item: Item, state: ImportState, when: datetime | None
) -> list[dict[str, Any]]:
    """The comments of a post or page, as rows for import_store.write_comments
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
        created = _time(comment.date_gmt, comment.date)
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


def page_row(item: Item, state: ImportState) -> NewPage:
    """A page's row, its old links and its comments (written with the
    articles of the batch it joins)."""
    summary = state.summary
    status = PAGE_STATUS.get(item.status, PageStatus.DRAFT)
    if item.status not in PAGE_STATUS and item.status != "draft":
        summary.notes[f"状态为 {item.status} 的页面作为草稿导入"] += 1
    if item.password:
        summary.notes["受密码保护的页面作为草稿导入（页面不支持密码）"] += 1
        status = PageStatus.DRAFT
    body = _body(item, state)
    title = imports.clean_title(item.title, summary)
    when = _time(item.post_date_gmt, item.post_date)
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
    links = [*_links(item, "page_id"), f"?p={item.post_id}"]
    return NewPage(item.post_id, values, links, item.parent, item.creator,
                   _comments(item, state, when))  # fmt: skip
