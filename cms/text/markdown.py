"""Markdown source to safe HTML: cmark-gfm renders (with footnotes, task
lists, heading anchors and Pygments-highlighted code blocks: see
cms.text.markdown_html), nh3 sanitises."""

import re
from functools import lru_cache
from urllib.parse import urlsplit

import nh3

from cms.text.highlight import TOKEN_CLASSES
from cms.text.markdown_html import to_html
from cms.text.nesting import bound_nesting
from cms.text.slug import HEADING_ID_PREFIX
from cms.text.stand_ins import clean as clean_linearly

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    "section", "input",  # footnotes; task lists' boxes (always disabled checkboxes)
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang"},
    "a": {"href", "aria-hidden", "id"},
    "li": {"id"},
    "input": {"type", "checked"},
    "img": {"src", "alt", "width", "height"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align"},
    "ol": {"start"},
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
ALLOWED_CLASSES = {
    "a": {"header-anchor", "footnote-backref"},
    "sup": {"footnote-ref"},
    "hr": {"footnotes-sep"},
    "section": {"footnotes"},
    "ol": {"footnotes-list"},
    "li": {"footnote-item", "task-list-item"},
    "ul": {"contains-task-list"},
    "input": {"task-list-item-checkbox"},
    "figure": {"code-block"},
    "figcaption": {"code-lang"},
    "pre": {"highlight"},
    "span": set(TOKEN_CLASSES),
}
# nh3's output is normalised: values double-quoted, with `"`, `<` and `>`
# escaped, attributes in the source's order; so a tag's attributes can be
# read one after the other (_ATTRIBUTES: a value is skipped whole, and
# ` href="` inside one is never taken for an attribute).
_ATTRIBUTES = r'(?: [^\s"<>=/]+(?:="[^"]*")?)*?'
# Ids written in raw HTML get the heading prefix too, so no article can
# clobber an id of the page around it; links to a footnote (#fn1,
# #fnref1:2) follow; an <input> is only ever a checkbox.
_UNPREFIXED_ID = re.compile(rf'(<[a-z][a-z0-9]*{_ATTRIBUTES} id=")(?!h-)')
_FOOTNOTE_LINK = re.compile(
    rf'(<a{_ATTRIBUTES} href="#)(fn(?:ref)?[0-9]+(?::[0-9]+)?")'
)
_INPUT_TYPE = re.compile(rf'(<input{_ATTRIBUTES} type=")[^"]*"')
# A link that may name a host: its href has two slashes (backslashes read as
# slashes, tabs and line breaks between them dropped, as browsers and
# urlsplit do); without them a URL has no host, so no other link can leave
# the site.
_HOSTED_HREF = re.compile(
    rf'<a{_ATTRIBUTES} href="([^"]*[/\\\\][\t\n\r]*[/\\\\][^"]*)"'
)
# What every <img> and <input> gets, last and in this order (nh3's own way
# to add attributes writes them in an order that changes from process to
# process, so the same source rendered differently in two workers).
_FIXED_ATTRIBUTES = {
    "img": ' loading="lazy" decoding="async"',
    "input": ' disabled="disabled"',
}
_FIXED_TAG = re.compile(r"<(img|input)(\s[^>]*)?>")
# A <pre> start tag in nh3's output (attribute values are double-quoted, with
# `"` escaped) followed by a newline: see _serialised.
_PRE_THEN_NEWLINE = re.compile(r'(<pre(?:\s(?:[^">]|"[^"]*")*)?>)\n')


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        allowed_classes=ALLOWED_CLASSES,
    )


def _clean(html: str) -> str:
    """`html` sanitised, as HTML that parses back into the tree that was
    checked: nh3 can write a tree no parser builds (a <p> left inside a <p>
    when the <select> between them is dropped), which a browser reads as
    another tree; cleaning nh3's output once more gives HTML that reads back
    as itself (when nh3 wrote back just what it read, as it does for most
    Markdown, that second pass would write the same once more: skipped).
    Nesting is bounded first (cms.text.nesting), and nh3 is handed `&` and
    no-break spaces as stand-ins (cms.text.stand_ins: its serialiser is
    quadratic in them); ids get the heading prefix
    (_UNPREFIXED_ID), images load lazily, inputs are disabled checkboxes
    (_FIXED_ATTRIBUTES): each a substitution over nh3's output (in C: no
    Python call per attribute, as nh3's attribute_filter made)."""
    cleaner = _cleaner()
    bounded = bound_nesting(html)
    clean = _serialised(cleaner, bounded)
    if clean != bounded and "<" in clean:  # text alone reads back as itself
        clean = _serialised(cleaner, clean)
    if ' id="' in clean:
        clean = _UNPREFIXED_ID.sub(rf"\1{HEADING_ID_PREFIX}", clean)
    if 'href="#fn' in clean:
        clean = _FOOTNOTE_LINK.sub(rf"\1{HEADING_ID_PREFIX}\2", clean)
    if "<input" in clean:
        clean = _INPUT_TYPE.sub(r'\1checkbox"', clean)
    return _FIXED_TAG.sub(
        lambda m: f"<{m[1]}{m[2] or ''}{_FIXED_ATTRIBUTES[m[1]]}>", clean
    )


def _serialised(cleaner: nh3.Cleaner, html: str) -> str:
    """nh3's cleaning of `html`, written so that it parses back into the tree
    nh3 wrote: a parser drops a newline right after <pre>, so a <pre> whose
    text begins with one gets a second (as HTML serialisation used to
    require), else each cleaning would lose one more of its newlines."""
    clean = clean_linearly(cleaner, html)
    if "<pre" in clean:
        clean = _PRE_THEN_NEWLINE.sub("\\1\n\n", clean)
    return clean


def _mark_external_links(html: str, site_host: str | None) -> str:
    """Give links to other hosts rel="nofollow noopener" (read from nh3's
    normalised output: see _HOSTED_HREF); each distinct href is judged once."""
    external: dict[str, bool] = {}

    def add_rel(match: re.Match[str]) -> str:
        href = match[1]
        if href not in external:
            external[href] = _is_external(href, site_host)
        if external[href]:
            return '<a rel="nofollow noopener"' + match[0][2:]
        return match[0]

    return _HOSTED_HREF.sub(add_rel, html)


def _is_external(href: str, site_host: str | None) -> bool:
    """Whether a link to `href` (as nh3 escaped it) leaves `site_host`."""
    # Browsers read a backslash in an http(s) URL as a slash.
    url = href.replace("&amp;", "&").replace("\\", "/")
    try:
        host = urlsplit(url).hostname
    except ValueError:  # unparsable here: treat as external
        return True
    return host is not None and host != site_host


def render_markdown(source: str, site_host: str | None = None) -> str:
    """Render Markdown (raw HTML allowed) to HTML that is safe to show as is.

    Guarantees: only ALLOWED_TAGS/ATTRIBUTES survive, URLs are http(s)/mailto or
    relative, headings h2-h4 get stable ids and a "#" permalink, images load
    lazily, links to hosts other than `site_host` get rel="nofollow noopener";
    raw HTML nests at most MAX_DEPTH deep (from a deeper start tag on, the
    rest shows as text), so the time taken grows linearly with the source
    (cms.text.nesting, cms.text.stand_ins)."""
    html = to_html(source)
    return _mark_external_links(_clean(html), site_host)


def sanitize_html(source: str, site_host: str | None = None) -> str:
    """HTML written elsewhere (a WordPress body) made as safe as Markdown's
    output: the same allowed tags, attributes and URL schemes, comments
    dropped, the same rel on external links, the same bound on nesting;
    never parsed as Markdown."""
    return _mark_external_links(_clean(source), site_host)
