"""Plain-text excerpts derived from rendered HTML."""

import html as html_lib
import re

import nh3

_SPACES = re.compile(r"\s+")
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_SENTENCE_END = "。！？!?；;"
# Footnote marks ([1]) and the footnotes themselves are not the article's text.
_FOOTNOTES = re.compile(
    r'<sup class="footnote-ref">.*?</sup>|<section class="footnotes">.*?</section>',
    re.S,
)


def html_to_text(html: str) -> str:
    """The text of an HTML fragment: no tags, entities decoded, spaces collapsed."""
    stripped = nh3.clean(html, tags=set(), clean_content_tags={"script", "style"})
    return _SPACES.sub(" ", html_lib.unescape(stripped)).strip()


def derive_excerpt(html: str, limit: int = 120) -> str:
    """At most `limit` characters of the text of the paragraphs (headings and
    their anchors left out), ending on a sentence end when one lies in the last
    third; otherwise cut and marked with an ellipsis (counted in the limit)."""
    html = _FOOTNOTES.sub("", html)
    paragraphs = _PARAGRAPH.findall(html)
    text = html_to_text(" ".join(paragraphs) if paragraphs else html)
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(mark) for mark in _SENTENCE_END)
    if cut >= limit * 2 // 3:
        return head[: cut + 1]
    return head[: limit - 1].rstrip() + "…"
