"""Readers' comment text to HTML: paragraphs, line breaks and links, nothing else."""

from __future__ import annotations

import re

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


def _linkify(line: str) -> str:
    out, last = [], 0
    for match in _URL.finditer(line):
        url = match.group(0)
        stripped = url.rstrip(_TRAILING)
        end = match.start() + len(stripped)
        out.append(str(escape(line[last : match.start()])))
        href = escape(stripped)
        out.append(f'<a href="{href}" rel="nofollow ugc noopener">{href}</a>')
        last = end
    out.append(str(escape(line[last:])))
    return "".join(out)


def render_comment(text: str) -> Markup:
    """Plain text as HTML: every character escaped, blank lines make paragraphs,
    single newlines make <br>, http(s) URLs become nofollow links. No HTML the
    reader wrote is ever active."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(text):
        lines = [_linkify(line) for line in block.strip().split("\n")]
        paragraphs.append("<p>" + "<br>".join(lines) + "</p>")
    return Markup("".join(paragraphs))
