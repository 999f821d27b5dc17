"""HTML's nesting bounded before a parser builds its tree.

html5ever (nh3's parser, like a browser's) walks the stack of open elements
for most start and end tags, so a document that nests deeply costs time that
grows with the square of its length: 64 KB of `<ul><li>` took 0.5 s to
sanitise, 200 KB (the longest body) 4.5 s. `bound_nesting` makes text of
the document from the first start tag that would open an element deeper
than MAX_DEPTH (each `<` from there on becomes `&lt;`), so the sanitiser's
work stays linear. No honest document nests that deep (Markdown nests at
most 20; browsers cap theirs at 512): one that does is broken or hostile,
and showing its rest as text costs the least (following its tags one by
one, making text only of the deeper start tags, took longer in Python than
nh3's whole parse, and left nh3 more to do).

The depth is followed in one pass over the tags, never above what a parser
would reach (it over-counts only on oddly nested HTML, and only up to the
bound): an end tag closes what it names when nothing in between could stop
it (a table cell, a button, an object: the parser's scope boundaries), and
inline end tags only the element they end; a start tag of an element that
ends its open sibling (`<li>` after `<li>`) and `<p>` (which ends an open
<p>) do not nest. Everything stays text for the sanitiser to judge: this
only ever adds `&lt;`."""

from __future__ import annotations

import re

MAX_DEPTH = 128  # browsers cap theirs at 512; Markdown nests at most 20 deep

_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
# An element holding text only (`<p>text</p>`, `<a href="x">text</a>`, as
# Markdown writes them by the thousand): its start tag pushes it (after
# popping what it ends) and its end tag pops just it, so it leaves no more
# open than it found.
_LEAF = re.compile(r"<([A-Za-z][^\s/<>]*)(?:\s[^<>]*)?>[^<]*</\1>")
_LEAF_ROUNDS = 3  # leaves, then what held only leaves (<li><p>x</p></li>) …


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VOID = _names(
    "area base basefont bgsound br col embed frame hr image img input "
    "keygen link meta param source track wbr"
)
# End tags that close everything above the element they name (when no
# boundary is in between); other end tags close only the current element.
_BLOCK_END = _names(
    "address article aside blockquote button caption center colgroup dd "
    "details dialog dir div dl dt fieldset figcaption figure footer h1 h2 "
    "h3 h4 h5 h6 header hgroup li listing main menu nav ol p pre search "
    "section summary table tbody td tfoot th thead tr ul"
)
_BOUNDARIES = _names(
    "annotation-xml applet button caption desc foreignobject marquee mi "
    "mn mo ms mtext object ol table td template th title ul"
)
# Start tags that end an open <p> first.
_ENDS_P = _names(
    "address article aside blockquote center details dialog dir div dl dd "
    "dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header "
    "hgroup hr li listing main menu nav ol p plaintext pre search section "
    "summary table ul xmp"
)
_HEADINGS = _names("h1 h2 h3 h4 h5 h6")
# Start tags that end the open element right above them when it is one of
# their group (`<li>` after `<li>`, `<dd>` after `<dt>`).
_SIBLINGS = {
    "li": {"li"},
    "dd": {"dd", "dt"},
    "dt": {"dd", "dt"},
    "option": {"option"},
    "optgroup": {"option"},
}
_CELLS = ("td", "th")
_ROW_GROUPS = ("tbody", "thead", "tfoot")
# What a parser drops outside a table.
_TABLE_PARTS = _names("caption col colgroup tbody td tfoot th thead tr")


class _Stack:
    """The open elements as counted, with where each name and each scope
    boundary sits (every operation amortised O(1))."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.where: dict[str, list[int]] = {}
        self.boundaries: list[int] = []

    def push(self, name: str) -> None:
        self.where.setdefault(name, []).append(len(self.names))
        if name in _BOUNDARIES:
            self.boundaries.append(len(self.names))
        self.names.append(name)

    def pop_to(self, index: int) -> None:
        """Pop the element at `index` and everything above it."""
        while len(self.names) > index:
            top = self.names.pop()
            self.where[top].pop()
            if self.boundaries and self.boundaries[-1] == len(self.names):
                self.boundaries.pop()

    def close(self, name: str) -> None:
        """Pop `name` and everything above it, when `name` is open with no
        boundary above it (or, for an inline end tag, when it is on top)."""
        found = self.where.get(name)
        if not found:
            return
        index = found[-1]
        if name in _BLOCK_END:
            if self.boundaries and self.boundaries[-1] > index:
                return
        elif index != len(self.names) - 1:
            return
        self.pop_to(index)

    def close_cell(self) -> None:
        """End the open table cell, if the innermost boundary is one."""
        if self.innermost() in _CELLS:
            self.pop_to(self.boundaries[-1])

    def innermost(self) -> str:
        """The name of the innermost scope boundary ("" when none)."""
        return self.names[self.boundaries[-1]] if self.boundaries else ""

    def start(self, name: str) -> bool:
        """End what a start tag ends before it opens (see the module
        docstring); False when a parser would drop the tag."""
        if name in _TABLE_PARTS and not self.where.get("table"):
            return False
        if name in _ENDS_P:
            self.close("p")
        if name in _HEADINGS and self.names and self.names[-1] in _HEADINGS:
            self.pop_to(len(self.names) - 1)
        elif name in _SIBLINGS:
            if self.names and self.names[-1] in _SIBLINGS[name]:
                self.pop_to(len(self.names) - 1)
        elif name == "button":
            self.close("button")
        elif name == "table" and self.innermost() == "table":
            self.pop_to(self.boundaries[-1])  # a table in a table ends it
        elif name in _CELLS:
            self.close_cell()
        elif name == "tr" or name in _ROW_GROUPS:
            self.close_cell()
            self.close("tr")
            if name != "tr":
                for group in _ROW_GROUPS:
                    self.close(group)
        return True

    def end(self, name: str) -> None:
        """What an end tag closes."""
        if name == "tr" or name == "table" or name in _ROW_GROUPS:
            self.close_cell()
        self.close(name)


def bound_nesting(html: str, max_depth: int = MAX_DEPTH) -> str:
    """`html` made text from the first start tag that would nest deeper than
    `max_depth` on (see the module docstring); unchanged when none would."""
    # A start tag opens at most as deep as the start tags outside leaves
    # (which may stay open) plus the leaves around it (at most one per round
    # of stripping): when that stays under max_depth, none is made text, and
    # the tags need not be followed one by one.
    outside_leaves = html
    for rounds in range(1, _LEAF_ROUNDS + 1):
        outside_leaves = _LEAF.sub("", outside_leaves)
        starts = outside_leaves.count("<") - outside_leaves.count("</")
        if starts + rounds - 1 < max_depth:
            return html
    stack = _Stack()
    for match in _TAG.finditer(html):
        name = match.group(2).lower()
        if name in _VOID:
            continue
        if match.group(1):
            stack.end(name)
            continue
        if not stack.start(name):
            continue
        if len(stack.names) >= max_depth:
            cut = match.start()
            return html[:cut] + html[cut:].replace("<", "&lt;")
        stack.push(name)
    return html
