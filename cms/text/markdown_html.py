"""Markdown to HTML in this site's shape, not yet sanitised: cmark-gfm
parses and renders (cms.text.cmark), then one pass over its HTML gives it
the shape articles have always had (markdown-it's, with its footnote,
task list and heading anchor plugins):

- h2-h4 get an id (cms.text.slug's heading_slug, made unique with -1, -2 …)
  and a "#" permalink at their end;
- a fenced block in a language Pygments knows becomes a highlighted
  <figure class="code-block"> (cms.text.highlight);
- task list items get their classes and their list `contains-task-list`;
- footnotes are numbered as markdown-it numbers them: marks `[1]`, `[1:1]`
  for a second mark of the same note, ids fn1/fnref1/fnref1:1, the notes
  after an <hr class="footnotes-sep">, backlinks `↩︎`.

Only what cmark-gfm made is shaped, never raw HTML that looks the same:
each of its block elements carries a data-sourcepos attribute (the
sanitiser drops it) that raw HTML has no reason to carry (if it does, the
worst is a heading anchor or a highlighted block there).

Time stays linear in the source (nothing from the input takes over 100 ms
at 64 KB; tests/security/check_sanitizer.py): cmark-gfm is linear, the
shaping is one regex pass plus work per heading, code block, task item
and footnote mark, and container markers are bounded (bound_containers)."""

from __future__ import annotations

import html as html_lib
import re

from cms.text import cmark
from cms.text.highlight import highlight_block
from cms.text.slug import heading_slug

# Container markers (`>`, `-`, `+`, `*`, `1.`, `1)`) that one line may open:
# each opens a block inside the last (`> > > x`, `- - - x`), so 64 KB of
# `> ` would nest 32,768 block quotes, 2 MB of HTML. markdown-it stopped at
# 20 levels; here the marker after MAX_LINE_MARKERS is escaped (`\>`: shown
# as the character, as markdown-it showed what it no longer nested).
MAX_LINE_MARKERS = 20
_MARKER = r"(?:>|[-+*](?=[ \t\r\n]|\Z)|[0-9]{1,9}[.)](?=[ \t\r\n]|\Z))"
# A line (after \n or \r, as for cmark) that starts with more markers than
# that; atomic, so a line of markers is read once.
_DEEP_LINE = re.compile(
    rf"(?<![^\r\n])[ \t]*{_MARKER}(?>[ \t]{{0,4}}{_MARKER}){{{MAX_LINE_MARKERS - 1}}}"
    rf"(?=[ \t]{{0,4}}{_MARKER})"
)
_LINE_END = re.compile(r"[\r\n]|\Z")


def bound_containers(source: str) -> str:
    """`source` with the marker after the first MAX_LINE_MARKERS of each
    line escaped, unless it is part of a thematic break (`- - - -`: a rule,
    which nests nothing); unchanged when no line has that many."""
    parts: list[str] = []
    last = 0
    for match in _DEEP_LINE.finditer(source):
        line_end = _LINE_END.search(source, match.end()).start()  # type: ignore[union-attr]
        marker = match.end()
        while source[marker] in " \t":
            marker += 1
        if _rule_from(source[match.start() : line_end]) <= marker - match.start():
            continue
        if source[marker] not in ">-+*":  # an ordered marker: escape its . or )
            while source[marker].isdigit():
                marker += 1
        parts.append(source[last:marker] + "\\")
        last = marker
    if not parts:
        return source
    parts.append(source[last:])
    return "".join(parts)


def _rule_from(line: str) -> int:
    """Where the thematic break that ends `line` starts (three or more of
    one of `-*_`, only spaces and tabs between and after), or len(line)."""
    text = line.rstrip(" \t")
    last = text[-1:]
    if not last or last not in "-*_":
        return len(line)
    start = len(text.rstrip(last + " \t"))
    return start if text.count(last, start) >= 3 else len(line)


_SHAPED = re.compile(
    "<(?:"
    # A heading's start and every h2-h4 end tag.
    r'h(?P<open>[2-4]) data-sourcepos="[^"]*">'
    r"|/h(?P<close>[2-4])>"
    # A fenced block with a language (cmark-gfm escapes both).
    r'|pre data-sourcepos="[^"]*"><code class="language-(?P<lang>[^"]*)">'
    r"(?P<code>[^<]*)</code></pre>"
    # A list's start and end; a task item's start (its paragraph's when loose).
    r'|(?P<list>ul|ol)(?= start="[0-9]+" data-sourcepos="| data-sourcepos=")'
    r"|(?P<list_end>/ul>|/ol>)"
    r'|(?P<task>li) data-sourcepos="[^"]*"><input type="checkbox"'
    r'(?P<checked> checked="")? disabled="" /> (?P<loose>\n<p data-sourcepos="[^"]*">)?'
    # Footnotes: a mark, the notes' start, a note, a backlink.
    r'|sup class="footnote-ref"><a href="#fn-[^"]*" id="fnref-[^"]*"'
    r" data-footnote-ref>(?P<mark>[0-9]+)</a></sup>"
    r'|(?P<notes>section) class="footnotes" data-footnotes>\n<ol>\n'
    r'|(?P<note>li) id="fn-[^"]*">\n'
    r'|a href="#fnref-[^"]*" class="footnote-backref" data-footnote-backref'
    r' data-footnote-backref-idx="(?P<back>[0-9]+)(?:-(?P<again>[0-9]+))?"'
    r' aria-label="[^"]*">\u21a9(?:<sup class="footnote-ref">[0-9]+</sup>)?</a>'
    ")"
)
# What only the shaping reads (the sanitiser would drop it, after parsing
# it): as cmark-gfm writes it, last in a start tag, after its name or
# another attribute's quote (text would have to hold the same, `>` included).
_SOURCEPOS = re.compile(
    r'(?<=[a-z0-9"]) data-sourcepos="[0-9]+:[0-9]+-[0-9]+:[0-9]+"(?=>| />)'
)
# cmark-gfm's void elements (`<br />`) as nh3 writes them (`<br>`), so that
# nh3 more often writes back just what it reads (cms.text.markdown._clean).
_SELF_CLOSING = re.compile(r"(<(?:br|hr|img|input)\b[^<>]*) />")
# What a heading's id leaves out, as markdown-it's anchors did (they read
# only its text and code): tags, comments and footnote marks (cmark-gfm
# writes only whole comments and valid tags here; `<` in text is `&lt;`).
_NOT_TITLE = re.compile(
    r'<sup class="footnote-ref"><a [^<>]*>[0-9]+</a></sup>'
    r"|<!--.*?-->"
    r"|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
    re.S,
)
_CHECKBOX = (
    '<input class="task-list-item-checkbox"{} disabled="disabled" type="checkbox">'
)


class _Shaper:
    """The edits one pass over cmark-gfm's HTML makes (see the module
    docstring), kept as (start, end, replacement)."""

    def __init__(self) -> None:
        self.edits: list[tuple[int, int, str]] = []
        self.slugs: set[str] = set()
        self.next_suffix: dict[str, int] = {}
        self.slug_of: dict[str, str] = {}  # a heading's HTML: its slug
        self.heading: tuple[str, int] | None = None  # level, where text starts
        self.lists: list[tuple[int, bool]] = []  # where a class goes, has tasks
        self.marks: dict[str, int] = {}  # footnote number: marks so far
        self.notes = 0

    def unique(self, slug: str) -> str:
        """`slug`, or the first of slug-1, slug-2 … not taken yet (as
        markdown-it's anchors do, without trying the taken ones again)."""
        unique = slug
        suffix = self.next_suffix.get(slug, 1)
        while unique in self.slugs:
            unique = f"{slug}-{suffix}"
            suffix += 1
        self.next_suffix[slug] = suffix
        self.slugs.add(unique)
        return unique

    def heading_end(self, html: str, match: re.Match[str]) -> None:
        if self.heading is None or self.heading[0] != match["close"]:
            return
        level, start = self.heading
        self.heading = None
        inner = html[start : match.start()]
        if inner not in self.slug_of:
            title = _NOT_TITLE.sub("", inner) if "<" in inner else inner
            title = html_lib.unescape(title) if "&" in title else title
            self.slug_of[inner] = heading_slug(title.replace("\n", ""))
        slug = html_lib.escape(self.unique(self.slug_of[inner]))
        # The start tag's data-sourcepos goes: the id takes its place.
        tag_end = html.rfind(" data-sourcepos=", 0, start)
        self.edits.append((tag_end, start, f' id="{slug}">'))
        anchor = f' <a class="header-anchor" href="#{slug}">#</a>'
        self.edits.append((match.start(), match.start(), anchor))

    def code(self, match: re.Match[str]) -> None:
        language = html_lib.unescape(match["lang"])
        block = highlight_block(html_lib.unescape(match["code"]), language)
        if block:
            self.edits.append((match.start(), match.end(), block))

    def task(self, match: re.Match[str]) -> None:
        if self.lists:
            self.lists[-1] = (self.lists[-1][0], True)
        checked = ' checked="checked"' if match["checked"] else ""
        self.edits.append(
            (
                match.start(),
                match.end(),
                '<li class="task-list-item">'
                + ("\n<p>" if match["loose"] else "")
                + _CHECKBOX.format(checked)
                + " ",
            )
        )

    def list_end(self) -> None:
        if self.lists:
            where, has_tasks = self.lists.pop()
            if has_tasks:
                self.edits.append((where, where, ' class="contains-task-list"'))

    def mark(self, match: re.Match[str]) -> None:
        number = match["mark"]
        again = self.marks.get(number, 0)
        self.marks[number] = again + 1
        name = number + (f":{again}" if again else "")
        self.edits.append(
            (
                match.start(),
                match.end(),
                f'<sup class="footnote-ref"><a href="#fn{number}" '
                f'id="fnref{name}">[{name}]</a></sup>',
            )
        )

    def backlink(self, match: re.Match[str]) -> None:
        again = int(match["again"] or 1) - 1
        name = match["back"] + (f":{again}" if again else "")
        link = f'<a href="#fnref{name}" class="footnote-backref">\u21a9\ufe0e</a>'
        self.edits.append((match.start(), match.end(), link))

    def read(self, html: str) -> None:
        for match in _SHAPED.finditer(html):
            if match["open"]:
                self.heading = (match["open"], match.end())
            elif match["close"]:
                self.heading_end(html, match)
            elif match["lang"] is not None:
                self.code(match)
            elif match["list"]:
                self.lists.append((match.end(), False))
            elif match["list_end"]:
                self.list_end()
            elif match["task"]:
                self.task(match)
            elif match["mark"]:
                self.mark(match)
            elif match["notes"]:
                self.replace(
                    match,
                    '<hr class="footnotes-sep">\n<section class="footnotes">\n'
                    '<ol class="footnotes-list">\n',
                )
            elif match["note"]:
                self.notes += 1
                self.replace(match, f'<li id="fn{self.notes}" class="footnote-item">')
            elif match["back"]:
                self.backlink(match)

    def replace(self, match: re.Match[str], replacement: str) -> None:
        self.edits.append((match.start(), match.end(), replacement))

    def apply(self, html: str) -> str:
        if not self.edits:
            return html
        self.edits.sort(key=lambda edit: edit[0])
        parts = []
        last = 0
        for start, end, replacement in self.edits:
            parts.append(html[last:start])
            parts.append(replacement)
            last = end
        parts.append(html[last:])
        return "".join(parts)


def shape(html: str) -> str:
    """cmark-gfm's HTML in this site's shape (see the module docstring)."""
    shaper = _Shaper()
    shaper.read(html)
    shaped = _SOURCEPOS.sub("", shaper.apply(html))
    return _SELF_CLOSING.sub(r"\1>", shaped) if " />" in shaped else shaped


def to_html(source: str) -> str:
    """Markdown (raw HTML allowed) to HTML in this site's shape; raw HTML is
    kept as written: not safe to show until sanitised."""
    return shape(cmark.to_html(bound_containers(source)))
