"""The Markdown renderer as it was before cmark-gfm: commit 03850a7's
cms/text/markdown.py as it was (markdown-it-py with mdit_py_plugins'
footnotes, task lists and anchors, Pygments-highlighted fences, nh3 with a
Python attribute filter, both passes always). Kept for bench/markdown.py
only, which times it against the current renderer; it uses today's
cms.text.nesting, which only makes it faster."""

import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from cms.text.highlight import highlight_block

# The same allow-lists as the current renderer: the engines are compared
# under one policy.
from cms.text.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_CLASSES,
    ALLOWED_TAGS,
    URL_SCHEMES,
)
from cms.text.nesting import bound_nesting
from cms.text.slug import HEADING_ID_PREFIX, heading_slug

# A footnote link's target (#fn1, #fnref1:2): ids get HEADING_ID_PREFIX, so
# these links get it too.
_FOOTNOTE_HREF = re.compile(r"#fn(?:ref)?\d+(?::\d+)?")

# An <a> start tag as nh3 writes it: values double-quoted, with `"`, `<` and `>`
# escaped, and attributes in the source's order (href is not always first).
_ANCHOR_TAG = re.compile(r"<a(\s[^>]*)?>")
_ATTRIBUTE = re.compile(r'\s+([^\s=>]+)(?:="([^"]*)")?')
# What every <img> and <input> gets, last and in this order (nh3's own way
# to add attributes writes them in an order that changes from process to
# process, so the same source rendered differently in two workers).
_FIXED_ATTRIBUTES = {
    "img": ' loading="lazy" decoding="async"',
    "input": ' disabled="disabled"',
}
_FIXED_TAG = re.compile(r"<(img|input)(\s[^>]*)?>")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"html": True, "linkify": False, "typographer": False}
    )
    md.enable(["table", "strikethrough"])
    footnote_plugin(md)
    tasklists_plugin(md)
    md.add_render_rule("fence", _fence)
    anchors_plugin(
        md,
        min_level=2,
        max_level=4,
        slug_func=heading_slug,
        permalink=True,
        permalinkSymbol="#",
        permalinkBefore=False,
    )
    return md


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_filter_attribute,
    )


def _fence(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """A fenced block: highlighted when its language is known, else plain."""
    token = tokens[idx]
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    block = highlight_block(token.content, language)
    if block:
        return block + "\n"
    return RendererHTML.fence(self, tokens, idx, options, env)


def _filter_attribute(tag: str, attribute: str, value: str) -> str:
    """Ids written in raw HTML get the heading prefix too, so no article can
    clobber an id of the page around it (footnote links follow); an <input>
    is only ever a checkbox."""
    if attribute == "id" and not value.startswith(HEADING_ID_PREFIX):
        return HEADING_ID_PREFIX + value
    if attribute == "href" and _FOOTNOTE_HREF.fullmatch(value):
        return "#" + HEADING_ID_PREFIX + value[1:]
    if tag == "input" and attribute == "type":
        return "checkbox"
    return value


def _clean(html: str) -> str:
    """`html` sanitised, as HTML that parses back into the tree that was
    checked: nh3 can write a tree no parser builds (a <p> left inside a <p>
    when the <select> between them is dropped), which a browser reads as
    another tree; cleaning nh3's output once more gives HTML that reads back
    as itself. Nesting is bounded first (cms.text.nesting); images load
    lazily, task list boxes are disabled (_FIXED_ATTRIBUTES)."""
    cleaner = _cleaner()
    clean = cleaner.clean(cleaner.clean(bound_nesting(html)))
    return _FIXED_TAG.sub(
        lambda m: f"<{m[1]}{m[2] or ''}{_FIXED_ATTRIBUTES[m[1]]}>", clean
    )


def _mark_external_links(html: str, site_host: str | None) -> str:
    """Give links to other hosts rel="nofollow noopener"; nh3's output is
    normalised (double-quoted, escaped attributes), so its tags can be read
    attribute by attribute."""

    def add_rel(match: re.Match[str]) -> str:
        attributes = match.group(1) or ""
        href = dict(_ATTRIBUTE.findall(attributes)).get("href")
        if href is None:
            return match.group(0)
        # Browsers read a backslash in an http(s) URL as a slash.
        url = href.replace("&amp;", "&").replace("\\", "/")
        try:
            host = urlsplit(url).hostname
        except ValueError:  # unparsable here: treat as external
            host = ""
        if host is None or host == site_host:
            return match.group(0)
        return f'<a rel="nofollow noopener"{attributes}>'

    return _ANCHOR_TAG.sub(add_rel, html)


def render_markdown(source: str, site_host: str | None = None) -> str:
    """Render Markdown (raw HTML allowed) to HTML that is safe to show as is.

    Guarantees: only ALLOWED_TAGS/ATTRIBUTES survive, URLs are http(s)/mailto or
    relative, headings h2-h4 get stable ids and a "#" permalink, images load
    lazily, links to hosts other than `site_host` get rel="nofollow noopener";
    raw HTML nests at most MAX_DEPTH deep (deeper start tags show as text), so
    the time taken grows linearly with the source (cms.text.nesting).
    """
    html = _parser().render(source)
    return _mark_external_links(_clean(html), site_host)


def sanitize_html(source: str, site_host: str | None = None) -> str:
    """HTML written elsewhere (a WordPress body) made as safe as Markdown's
    output: the same allowed tags, attributes and URL schemes, comments
    dropped, the same rel on external links, the same bound on nesting;
    never parsed as Markdown."""
    return _mark_external_links(_clean(source), site_host)
