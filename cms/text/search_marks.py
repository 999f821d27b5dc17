"""Search results' marks: a snippet of a text around the first matched term,
and a text escaped with each matched term wrapped in <mark>."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

SNIPPET = 120


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def snippet_text(body: str, terms: list[str], size: int = SNIPPET) -> str:
    """About `size` characters of `body` around the first matched term (the
    start when none matches), with … where it was cut."""
    pattern = _pattern(terms)
    found = pattern.search(body) if pattern else None
    start = max(0, found.start() - size // 3) if found else 0
    piece = body[start : start + size]
    return ("…" if start else "") + piece + ("…" if start + size < len(body) else "")


def highlight(textual: str, terms: list[str]) -> Markup:
    """`textual` escaped, each occurrence of a term wrapped in <mark>."""
    pattern = _pattern(terms)
    if pattern is None:
        return Markup(escape(textual))  # noqa: S704  # nosec B704  # the text escaped first
    out, last = [], 0
    for found in pattern.finditer(textual):
        out.append(str(escape(textual[last : found.start()])))
        out.append(f"<mark>{escape(found.group())}</mark>")
        last = found.end()
    out.append(str(escape(textual[last:])))
    return Markup("".join(out))  # noqa: S704  # nosec B704  # every piece escaped
