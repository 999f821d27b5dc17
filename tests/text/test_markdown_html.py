"""cms.text.markdown_html: cmark-gfm's HTML in the shape markdown-it gave
(heading ids, footnote numbering, task lists), only where Markdown made it,
and container markers bounded per line."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from cms.text.markdown import render_markdown
from cms.text.markdown_html import MAX_LINE_MARKERS, bound_containers, to_html


def soup(source: str) -> BeautifulSoup:
    return BeautifulSoup(render_markdown(source), "html.parser")


def depth(page: BeautifulSoup, name: str) -> int:
    deepest = 0
    for element in page.find_all(name):
        deepest = max(deepest, len(element.find_parents(name)) + 1)
    return deepest


# -- container markers ------------------------------------------------------


@pytest.mark.parametrize(("unit", "element"), [("> ", "blockquote"), ("- ", "ul")])
def test_one_line_of_markers_nests_at_most_max_line_markers(unit, element):
    page = soup(unit * 5000 + "x")

    assert depth(page, element) == MAX_LINE_MARKERS
    # What is not nested is shown, as markdown-it showed it.
    assert page.get_text().count(unit.strip()) == 5000 - MAX_LINE_MARKERS


def test_markers_up_to_the_bound_are_left_alone():
    source = "> " * MAX_LINE_MARKERS + "x\n\n" + "1. " * MAX_LINE_MARKERS + "y"

    assert bound_containers(source) == source
    assert depth(soup(source), "ol") == MAX_LINE_MARKERS


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1. " * 21 + "x", "1. " * 20 + "1\\. x"),
        ("1) " * 21 + "x", "1) " * 20 + "1\\) x"),
        ("-\t" * 21 + "x", "-\t" * 20 + "\\-\tx"),
        (">" * 22, ">" * 20 + "\\>>"),
    ],
)
def test_the_marker_past_the_bound_is_escaped(source, expected):
    assert bound_containers(source) == expected


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
def test_every_line_is_bounded_whatever_ends_it(newline):
    source = newline.join(["> " * 30 + "x"] * 3)

    assert bound_containers(source).count("\\>") == 3


@pytest.mark.parametrize(
    "rule",
    ["- " * 40, "* " * 25 + "*", "* " * 10 + "- " * 15, "> " * 5 + "_ " * 30],
)
def test_a_thematic_break_made_of_markers_stays_a_rule(rule):
    assert bound_containers(rule) == rule
    assert soup(rule).find("hr") is not None


# -- headings --------------------------------------------------------------


def test_repeated_slugs_are_numbered_as_markdown_it_numbered_them():
    ids = [h["id"] for h in soup("## a-1\n\n## a\n\n## a\n\n## a\n").find_all("h2")]

    assert ids == ["h-a-1", "h-a", "h-a-2", "h-a-3"]


def test_a_heading_id_leaves_out_markup_footnote_marks_and_line_breaks():
    page = soup('## 标题 *强调* `代码`[^1] <b title="x">粗</b>\n\n[^1]: 注\n')
    setext = soup("两行\n标题\n---\n")

    assert page.find("h2")["id"] == "h-标题-强调-代码-粗"
    assert setext.find("h2")["id"] == "h-两行标题"


def test_raw_html_headings_and_code_are_not_shaped_as_markdown():
    page = soup(
        "<h2>原样</h2>\n\n"
        '<pre><code class="language-python">def f(): pass</code></pre>\n\n'
        "## 标记\n"
    )

    raw, marked = page.find_all("h2")
    assert raw.get("id") is None and raw.find("a") is None
    assert marked["id"] == "h-标记"
    assert page.find("figure") is None


# -- footnotes and task lists ----------------------------------------------


def test_a_note_marked_twice_is_numbered_and_linked_as_before():
    page = soup("一[^a]二[^b]三[^a]\n\n[^a]: 甲\n[^b]: 乙\n")

    marks = page.select("sup.footnote-ref a")
    assert [(a.get_text(), a["href"], a["id"]) for a in marks] == [
        ("[1]", "#h-fn1", "h-fnref1"),
        ("[2]", "#h-fn2", "h-fnref2"),
        ("[1:1]", "#h-fn1", "h-fnref1:1"),
    ]
    first = page.select_one("li#h-fn1")
    assert [a["href"] for a in first.select("a.footnote-backref")] == [
        "#h-fnref1",
        "#h-fnref1:1",
    ]
    assert page.find("hr", class_="footnotes-sep") is not None


def test_task_items_in_loose_and_ordered_lists():
    page = soup("1. [x] 完成\n\n2. [ ] 未完\n\n- 普通\n")

    ordered = page.find("ol")
    assert [li["class"] for li in ordered.find_all("li")] == [["task-list-item"]] * 2
    boxes = ordered.select("li > p > input")
    assert [b.has_attr("checked") for b in boxes] == [True, False]
    assert page.find("ul").get("class") is None


def test_no_data_sourcepos_and_no_self_closing_tags_are_left():
    html = to_html("# a\n\n---\n\n![i](/i.png)\n\n- [ ] t\n\n| a |\n|:-|\n| b |\n")

    assert "data-sourcepos" not in html
    assert " />" not in html
