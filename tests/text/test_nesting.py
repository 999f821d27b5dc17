"""HTML's nesting is bounded before nh3 parses it (cms.text.nesting): the
sanitiser's time grows linearly with deeply nested input (it grew with its
square: 64 KB of `<ul><li>` took 0.5 s, 200 KB 4.5 s), ordinary HTML passes
unchanged, and what is cut stays as text."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest

from cms.text.markdown import render_markdown, sanitize_html
from cms.text.nesting import MAX_DEPTH, bound_nesting

# Each repeated to fill the input: nested blocks, lists, definition lists,
# and the patterns that end an element the parser already ended (<p> by a
# block, a table by a table, a button by a button, a heading by a heading).
PATTERNS = [
    "<ul><li>",
    "<div>",
    "<blockquote>",
    "<details>",
    "<dl><dd>",
    "<ol><li><p>",
    "<li><dd>",
    "<font><div>",
    "<div></b>",
    "<p><div></p>",
    "<h1><h2></h2><div></h1>",
    "<table><table></table><div></table>",
    "<button><button></button><div></button>",
    "<form><div></form>",
    "<td><div></td>",
    "<rt>",
]


class _Depth(HTMLParser):
    """The deepest nesting of well-formed HTML (as nh3 writes it)."""

    VOID = {"br", "hr", "img", "input", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = self.deepest = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in self.VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag) -> None:
        if tag not in self.VOID:
            self.depth -= 1


def deepest(html: str) -> int:
    parser = _Depth()
    parser.feed(html)
    return parser.deepest


def filled(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def cpu_seconds(text: str) -> float:
    """The least CPU time of three sanitisations (others' load adds none)."""
    times = []
    for _ in range(3):
        start = time.thread_time()
        sanitize_html(text)
        times.append(time.thread_time() - start)
    return min(times)


@pytest.mark.parametrize("unit", PATTERNS)
def test_time_grows_linearly_with_nested_input(unit):
    quarter = cpu_seconds(filled(unit, 16_384))
    whole = cpu_seconds(filled(unit, 65_536))

    # Four times the input: four times the time when linear, sixteen when
    # quadratic (as it was); the milliseconds absorb a tiny quarter's noise.
    assert whole < 8 * quarter + 0.01, (unit, quarter, whole)


def test_deep_nesting_is_cut_and_shown_as_text():
    html = sanitize_html("<blockquote>" * 1000 + "深处的文字")

    assert deepest(html) <= MAX_DEPTH
    assert "深处的文字" in html
    assert html.count("&lt;blockquote&gt;") == 1000 - MAX_DEPTH


@pytest.mark.parametrize(
    "html",
    [
        "<ul><li>" * 20 + "二十层" + "</li></ul>" * 20,
        "<div>" * (MAX_DEPTH - 1) + "x" + "</div>" * (MAX_DEPTH - 1),
        "<p>一段" * 500,
        "<ul>" + "<li>一项" * 500 + "</ul>",
        "<dl>" + "<dt>词<dd>释义" * 300 + "</dl>",
        "<table>" + "<tr><td>格<td>格" * 300 + "</table>",
        "<table><tbody>" + "<tr><th>头</th><td>格</td></tr>" * 300 + "</table>",
        "<p><b>粗体没有关上</p>" * 300,
        "<h2>标题</h2><p>正文<em>强调</em></p>" * 300,
        "<select>" + "<option>选项" * 300 + "</select>",
    ],
)
def test_ordinary_html_passes_unchanged(html):
    assert bound_nesting(html) == html


def test_ordinary_markdown_renders_as_before():
    source = "\n".join("  " * depth + "- 第几层" for depth in range(20))
    source += "\n\n> 引用\n>\n> > 引用里的引用\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"

    assert "&lt;" not in render_markdown(source)


def test_only_ever_makes_a_less_than_sign_text():
    text = "<div><span title='<a>'>" * 400 + "</div>" * 10 + "<p>" * 400

    bounded = bound_nesting(text, max_depth=16)

    assert bounded != text
    assert bounded.replace("&lt;", "<") == text


def test_after_the_first_too_deep_tag_the_rest_is_text():
    html = "<div>" * 200 + "</div>" * 200 + "<p>后面的段落</p>"

    bounded = bound_nesting(html)

    cut = bounded.index("&lt;")
    assert cut == len("<div>") * MAX_DEPTH
    assert "<" not in bounded[cut:]
    assert bounded.replace("&lt;", "<") == html
