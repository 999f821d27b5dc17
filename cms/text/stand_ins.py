"""nh3 given `&` and the no-break space as stand-ins, which it writes in
time that grows linearly.

nh3's serialiser takes time that grows with the square of a text's (or an
attribute value's) length for each `&` and no-break space in it, the two
characters it writes as `&amp;` and `&nbsp;` (measured: 32 K of them in
one paragraph 14 ms, 64 K 54 ms; 64 KB of no-break spaces took 134 ms as
Markdown, whose output nh3 reads twice). `clean` hands nh3 each of them as
a private-use character that it keeps as written, and writes back what nh3
writes for the character it stands for: the same HTML, in linear time.

What stands in, exactly: a no-break space as typed, a bare `&` (one that
starts no character reference: not followed by a letter, or by `#` and a
digit or x), and, outside the elements whose raw text nh3 shows as text
(<xmp>, <iframe>, …; there `&amp;` is five characters, not one), the
references `&amp;` and `&nbsp;` (and there `&lt;`, `&gt;` and `&quot;`
are written as numeric references, which nh3 reads in half the time: the
same characters). Each is read by the parser as the one
character it stands for would be, wherever it is (text, attribute values,
raw text), except in a class attribute, where nh3 splits names at a
no-break space too: a class holding one is dropped whole (class names are
an allow-list; nothing else is shown differently)."""

from __future__ import annotations

import re

import nh3

_RAW_TEXT = re.compile(r"<(?:iframe|noembed|noframes|noscript|plaintext|xmp)", re.I)
_BARE_AMPERSAND = re.compile(r"&(?![A-Za-z]|#[0-9Xx])")
# nh3 reads a numeric reference in half the time of a named one.
_NUMERIC = (("&lt;", "&#60;"), ("&gt;", "&#62;"), ("&quot;", "&#34;"))
# Private-use characters (the BMP's area and planes 15 and 16): no parser
# or sanitiser gives them a meaning. An input holding all 137,468 of them
# (which leaves a 200,000-character body 62,532 for anything else) is
# cleaned by nh3 as it is: the same HTML, only not in linear time.
_CANDIDATES = (
    range(0xE000, 0xF900),
    range(0xF0000, 0xFFFFE),
    range(0x100000, 0x10FFFE),
)


def _two_unused(html: str) -> tuple[str, str] | None:
    """Two private-use characters that `html` does not hold."""
    if "\ue000" not in html and "\ue001" not in html:
        return "\ue000", "\ue001"
    used = set(html)
    free = (
        chr(code) for codes in _CANDIDATES for code in codes if chr(code) not in used
    )
    pair = next(free, None), next(free, None)
    return (pair[0], pair[1]) if pair[0] and pair[1] else None


def clean(cleaner: nh3.Cleaner, html: str) -> str:
    """`cleaner.clean(html)`, in time linear in the length of `html`'s
    texts (see the module docstring)."""
    if "&" not in html and "\xa0" not in html:
        return cleaner.clean(html)
    pair = _two_unused(html)
    if pair is None:  # every private-use character in one input
        return cleaner.clean(html)
    space, ampersand = pair
    html = _BARE_AMPERSAND.sub(ampersand, html.replace("\xa0", space))
    if not _RAW_TEXT.search(html):
        html = html.replace("&amp;", ampersand).replace("&nbsp;", space)
        for named, numeric in _NUMERIC:
            html = html.replace(named, numeric)
    clean = cleaner.clean(html)
    return clean.replace(space, "&nbsp;").replace(ampersand, "&amp;")
