"""Reading WordPress export files (WXR 1.0, 1.1 and 1.2) as a stream.

The parser is defusedxml's: no DTD, no entity expansion, no external
resources (nothing is fetched from the network). Namespaces are matched by
what they are, not by their exact URI, so the `http://` and `https://`
forms and every WXR version read alike; CDATA sections split at `]]>` come
back as one text. Each author, term and item is handed over as soon as its
end tag is read and then dropped from the tree, so memory stays bounded
whatever the size of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]


class WxrError(ValueError):  # noqa: N818
    """The file is not a WordPress export (or not well-formed XML)."""


def _prefix(uri: str) -> str:
    uri = uri.lower().rstrip("/")
    if "wordpress.org/export" in uri:
        return "excerpt" if uri.endswith("excerpt") else "wp"
    if "purl.org/rss/1.0/modules/content" in uri:
        return "content"
    if "purl.org/dc/elements" in uri:
        return "dc"
    if "wellformedweb.org/commentapi" in uri:
        return "wfw"
    return uri


_NAMES: dict[str, str] = {}


def _name(tag: str) -> str:
    """`{uri}local` as `prefix:local` (plain names unchanged); remembered,
    since a file uses a few dozen names millions of times."""
    name = _NAMES.get(tag)
    if name is None:
        name = tag
        if tag.startswith("{"):
            uri, local = tag[1:].split("}", 1)
            name = f"{_prefix(uri)}:{local}"
        if len(_NAMES) < 10_000:
            _NAMES[tag] = name
    return name


def _fields(element: Element) -> dict[str, str]:
    """Text of the element's simple children by normalised name (the first
    of each name; missing text is "")."""
    out: dict[str, str] = {}
    for child in element:
        name = _name(child.tag)
        if name not in out:
            out[name] = child.text or ""
    return out


@dataclass
class Site:
    """The channel's own fields, known before the first author, term or item."""

    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    version: str = ""


@dataclass
class Author:
    login: str
    email: str
    display_name: str
    author_id: str = ""


@dataclass
class Term:
    """A category, a tag or another term (nav menus, post formats …)."""

    taxonomy: str  # "category", "post_tag", or another
    term_id: str
    slug: str
    name: str
    parent: str = ""  # the parent's slug (WXR names parents by slug)
    description: str = ""


@dataclass
class WpComment:
    comment_id: str
    author: str
    author_email: str
    author_url: str
    author_ip: str
    date: str
    date_gmt: str
    content: str
    approved: str
    type: str
    parent: str
    user_id: str = ""
    agent: str = ""


@dataclass
class Item:
    """One post, page, attachment, menu item … with its terms and comments."""

    post_type: str
    post_id: str
    title: str
    link: str
    guid: str
    creator: str
    content: str
    excerpt: str
    post_date: str
    post_date_gmt: str
    post_name: str
    status: str
    parent: str
    menu_order: str
    password: str
    sticky: bool
    comment_status: str
    attachment_url: str
    terms: list[tuple[str, str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[WpComment] = field(default_factory=list)


Record = Site | Author | Term | Item


def _author(element: Element) -> Author:
    f = _fields(element)
    return Author(
        login=f.get("wp:author_login", "").strip(),
        email=f.get("wp:author_email", "").strip(),
        display_name=f.get("wp:author_display_name", "").strip(),
        author_id=f.get("wp:author_id", "").strip(),
    )


def _term(element: Element, name: str) -> Term:
    f = _fields(element)
    if name == "wp:category":
        return Term("category", f.get("wp:term_id", ""),
                    f.get("wp:category_nicename", ""), f.get("wp:cat_name", ""),
                    f.get("wp:category_parent", ""),
                    f.get("wp:category_description", ""))  # fmt: skip
    if name == "wp:tag":
        return Term("post_tag", f.get("wp:term_id", ""), f.get("wp:tag_slug", ""),
                    f.get("wp:tag_name", ""), "",
                    f.get("wp:tag_description", ""))  # fmt: skip
    return Term(f.get("wp:term_taxonomy", ""), f.get("wp:term_id", ""),
                f.get("wp:term_slug", ""), f.get("wp:term_name", ""),
                f.get("wp:term_parent", ""),
                f.get("wp:term_description", ""))  # fmt: skip


def _comment(element: Element) -> WpComment:
    f = _fields(element)
    return WpComment(
        comment_id=f.get("wp:comment_id", "").strip(),
        author=f.get("wp:comment_author", ""),
        author_email=f.get("wp:comment_author_email", "").strip(),
        author_url=f.get("wp:comment_author_url", "").strip(),
        author_ip=f.get("wp:comment_author_IP", "").strip(),
        date=f.get("wp:comment_date", "").strip(),
        date_gmt=f.get("wp:comment_date_gmt", "").strip(),
        content=f.get("wp:comment_content", ""),
        approved=f.get("wp:comment_approved", "").strip(),
        type=f.get("wp:comment_type", "").strip(),
        parent=f.get("wp:comment_parent", "").strip(),
        user_id=f.get("wp:comment_user_id", "").strip(),
        agent=f.get("wp:comment_agent", ""),
    )


def _item(element: Element) -> Item:
    f = _fields(element)
    item = Item(
        post_type=f.get("wp:post_type", "").strip(),
        post_id=f.get("wp:post_id", "").strip(),
        title=f.get("title", ""),
        link=f.get("link", "").strip(),
        guid=f.get("guid", "").strip(),
        # Some exports wrap the login in stray angle brackets.
        creator=f.get("dc:creator", "").strip().strip("<>").strip(),
        content=f.get("content:encoded", ""),
        excerpt=f.get("excerpt:encoded", ""),
        post_date=f.get("wp:post_date", "").strip(),
        post_date_gmt=f.get("wp:post_date_gmt", "").strip(),
        post_name=f.get("wp:post_name", "").strip(),
        status=f.get("wp:status", "").strip(),
        parent=f.get("wp:post_parent", "").strip(),
        menu_order=f.get("wp:menu_order", "").strip(),
        password=f.get("wp:post_password", ""),
        sticky=f.get("wp:is_sticky", "").strip() == "1",
        comment_status=f.get("wp:comment_status", "").strip(),
        attachment_url=f.get("wp:attachment_url", "").strip(),
    )
    for child in element:
        name = _name(child.tag)
        if name == "category":
            domain = child.get("domain", "category")
            if domain == "tag":  # WXR 1.0
                domain = "post_tag"
            item.terms.append((domain, child.get("nicename", ""), child.text or ""))
        elif name == "wp:postmeta":
            meta = _fields(child)
            item.meta.setdefault(
                meta.get("wp:meta_key", ""), meta.get("wp:meta_value", "")
            )
        elif name == "wp:comment":
            item.comments.append(_comment(child))
    return item


_SITE_FIELDS = {
    "title": "title",
    "link": "link",
    "wp:base_site_url": "base_site_url",
    "wp:base_blog_url": "base_blog_url",
    "wp:wxr_version": "version",
}
_OPENERS = {"wp:category", "wp:tag", "wp:term", "item", "wp:author"}
_TERMS = {"wp:category", "wp:tag", "wp:term"}


def read_wxr(source: IO[bytes]) -> Iterator[Record]:
    """The records of a WXR file, in file order: first the Site (once its
    fields are read), then authors, terms and items as they end.
    WxrError when the file is not WXR or not well-formed (or uses a DTD or
    entities, which defusedxml refuses)."""
    site = Site()
    site_sent = False
    stack: list[Element] = []
    channel: Element | None = None
    try:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                stack.append(element)
                if len(stack) == 2 and _name(element.tag) == "channel":
                    channel = element
                elif (
                    len(stack) == 3 and not site_sent and _name(element.tag) in _OPENERS
                ):
                    site_sent = True
                    yield site
                continue
            stack.pop()
            if len(stack) != 2 or channel is None or stack[-1] is not channel:
                if len(stack) == 0 and _name(element.tag) != "rss":
                    raise WxrError("不是 WordPress 导出文件（根元素不是 rss）")
                continue
            name = _name(element.tag)
            record: Any = None
            if name == "item":
                record = _item(element)
            elif name == "wp:author":
                record = _author(element)
            elif name in _TERMS:
                record = _term(element, name)
            elif name in _SITE_FIELDS and not site_sent:
                setattr(site, _SITE_FIELDS[name], (element.text or "").strip())
            channel.remove(element)
            if record is not None:
                yield record
    except WxrError:
        raise
    except Exception as exc:  # ParseError, DTDForbidden, EntitiesForbidden …
        raise WxrError(f"无法读取 WXR 文件：{exc}") from None
    if channel is None:
        raise WxrError("不是 WordPress 导出文件（没有 channel）")
    if not site_sent:
        yield site
