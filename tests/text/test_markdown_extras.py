"""Footnotes, task lists and Pygments-highlighted code blocks in articles,
sanitised like everything else; the word count made for Chinese; the table
of contents."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from cms.text.excerpt import derive_excerpt
from cms.text.markdown import render_markdown
from cms.text.reading import count_words, reading_of, table_of_contents

SOURCE = """## 准备

正文引用一处说明[^1]，再引用一处[^note]。

- [x] 已经完成
- [ ] 还没做

```python
def 问好(name):
    return "你好，" + name  # 注释
```

```不存在的语言
<b>原样</b>
```

[^1]: 第一条脚注。
[^note]: 第二条脚注。
"""


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_code_is_highlighted_with_its_language_shown():
    page = soup(render_markdown(SOURCE))

    figure = page.select_one("figure.code-block")
    assert figure.select_one("figcaption.code-lang").get_text() == "Python"
    code = figure.select_one("pre.highlight code")
    assert code.get_text() == 'def 问好(name):\n    return "你好，" + name  # 注释\n'
    assert code.select_one("span.k").get_text() == "def"
    assert code.select_one("span.s2").get_text() == '"你好，"'
    assert code.select_one("span.c1").get_text() == "# 注释"
    # An unknown language: a plain block, its text escaped.
    plain = [
        pre for pre in page.select("pre") if "highlight" not in pre.get("class", [])
    ]
    assert [pre.get_text() for pre in plain] == ["<b>原样</b>\n"]
    assert page.find("b") is None


def test_a_fence_info_cannot_inject_markup():
    html = render_markdown('```"><script>alert(1)</script>\nx\n```\n')

    page = soup(html)
    assert page.find("script") is None
    assert page.select("figure") == []


def test_footnotes_link_both_ways_and_no_marker_is_left_as_text():
    html = render_markdown(SOURCE)
    page = soup(html)

    assert "[^" not in page.get_text()
    refs = page.select("sup.footnote-ref a")
    assert [a.get_text() for a in refs] == ["[1]", "[2]"]
    ids = {element["id"] for element in page.find_all(id=True)}
    for link in page.select("a[href^='#']"):
        assert link["href"][1:] in ids, link
    notes = page.select("section.footnotes li.footnote-item")
    assert [n.get_text(" ", strip=True) for n in notes] == [
        "第一条脚注。 ↩︎", "第二条脚注。 ↩︎"
    ]  # fmt: skip


def test_task_lists_are_disabled_checkboxes():
    page = soup(render_markdown(SOURCE))

    boxes = page.select("ul.contains-task-list input")
    states = [(b["type"], b.has_attr("checked"), b.has_attr("disabled")) for b in boxes]
    assert states == [("checkbox", True, True), ("checkbox", False, True)]


@pytest.mark.parametrize(
    "raw",
    [
        '<input type="text" value="x" onfocus="alert(1)" autofocus>',
        '<input type="image" src="javascript:alert(1)" formaction="/x">',
        '<input type="submit" name="a">',
    ],
)
def test_raw_inputs_become_inert_checkboxes(raw):
    [element] = soup(render_markdown(raw)).find_all("input")

    assert element.attrs == {"type": "checkbox", "disabled": "disabled"}


def test_excerpt_leaves_footnotes_out():
    html = render_markdown("说明在此[^1]。\n\n[^1]: 脚注正文。")

    assert derive_excerpt(html) == "说明在此。"


@pytest.mark.parametrize(
    ("text", "han", "latin"),
    [
        ("中文 字数", 4, 0),
        ("用 Python 3.12 写", 2, 2),
        ("Hello, world! It's fine.", 0, 4),
        ("  \n\t ", 0, 0),
        ("ひらがなと한국어", 8, 0),
    ],
)
def test_words_are_counted_for_chinese(text, han, latin):
    assert count_words(text) == (han, latin)


def test_reading_time_of_a_long_chinese_article():
    html = render_markdown("\n\n".join(["这是一段十个字的正文。"] * 100))  # 1000 Han

    reading = reading_of(html)

    assert reading.words == 1000
    assert reading.minutes == 3  # 400 a minute, rounded up


def test_table_of_contents_takes_h2_and_h3():
    html = render_markdown("## 一\n\n### 一点一\n\n#### 不算\n\n## 二 *强调*\n")

    toc = table_of_contents(html)

    assert [(e.level, e.text) for e in toc] == [
        (2, "一"),
        (3, "一点一"),
        (2, "二 强调"),
    ]
    ids = {element["id"] for element in soup(html).find_all(id=True)}
    assert all(e.id in ids for e in toc)
