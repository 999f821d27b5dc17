"""Readers' comment text to HTML: paragraphs, line breaks and links, nothing else."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

# http(s) URLs up to white space, quotes, angle brackets or CJK punctuation.
_URL = re.compile(r"https?://[^\s<>\"'\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]+", re.I)
_TRAILING = ".,;:!?)]}'\""
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# C0/C1 controls (but tab and newline), bidi overrides and isolates, zero-width.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)


def strip_controls(text: str) -> str:
    """`text` without control characters, bidi overrides and zero-width marks
    (kept: tab and newline), trimmed. For names; bodies keep their lines."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


# A span of the text to highlight for editors: [start, end) and its title.
Mark = tuple[int, int, str]


def _marked(text: str, offset: int, marks: Sequence[Mark]) -> str:
    """`text` (which starts at `offset` of the whole) escaped, with the part
    of every mark that falls inside it wrapped in <mark class="flagged">."""
    out, position = [], 0
    for start, end, title in marks:
        start, end = max(start - offset, position), min(end - offset, len(text))
        if start >= end:
            continue
        out.append(str(escape(text[position:start])))
        out.append(f'<mark class="flagged" title="{escape(title)}">'
                   f"{escape(text[start:end])}</mark>")  # fmt: skip
        position = end
    out.append(str(escape(text[position:])))
    return "".join(out)


def _linkify(line: str, offset: int = 0, marks: Sequence[Mark] = ()) -> str:
    out, last = [], 0
    for match in _URL.finditer(line):
        url = match.group(0)
        stripped = url.rstrip(_TRAILING)
        end = match.start() + len(stripped)
        out.append(_marked(line[last : match.start()], offset + last, marks))
        href = escape(stripped)
        shown = _marked(stripped, offset + match.start(), marks)
        out.append(f'<a href="{href}" rel="nofollow ugc noopener">{shown}</a>')
        last = end
    out.append(_marked(line[last:], offset + last, marks))
    return "".join(out)


def comment_lines(text: str) -> str:
    """The text a comment is rendered from (line ends made \\n): the offsets
    of marks given to render_comment are offsets of this text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def render_comment(text: str, marks: Sequence[Mark] = ()) -> Markup:
    """Plain text as HTML: every character escaped, blank lines make paragraphs,
    single newlines make <br>, http(s) URLs become nofollow links. No HTML the
    reader wrote is ever active. `marks` (spans of comment_lines(text), for
    editors) are wrapped in <mark class="flagged" title="…">, cut where a
    paragraph, line or link begins or ends, so the HTML stays well formed."""
    text = comment_lines(text)
    if not marks:  # readers' pages: most comments are one line without a link
        line = text.strip()
        if "\n" not in line and _URL.search(line) is None:
            html = f"<p>{escape(line)}</p>"
            return Markup(html)  # noqa: S704  # nosec B704  # its one line escaped
    marks = sorted(marks)
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    paragraphs = []
    block_start = 0
    for block in [*_PARAGRAPH_BREAK.finditer(text), None]:
        block_end = block.start() if block is not None else len(text)
        raw = text[block_start:block_end]
        at = lead + block_start + len(raw) - len(raw.lstrip())
        lines = []
        for line in raw.strip().split("\n"):
            lines.append(_linkify(line, at, marks))
            at += len(line) + 1
        paragraphs.append("<p>" + "<br>".join(lines) + "</p>")
        if block is not None:
            block_start = block.end()
    return Markup("".join(paragraphs))  # noqa: S704  # nosec B704  # every piece escaped
