"""Rendering is stable: the same source gives the same HTML in every process
(nh3 used to write the attributes it adds in an order that changed from
process to process), and sanitising the HTML again changes nothing (nh3
could write a tree that parses back as another one)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cms.text.markdown import render_markdown, sanitize_html

SOURCE = "![图](/a.png)\n\n- [x] 完成\n- [ ] 没做\n\n<input type=text checked>\n"
RENDER = (
    "import sys; from cms.text.markdown import render_markdown; "
    "sys.stdout.write(render_markdown(sys.stdin.read()))"
)


def test_the_same_source_renders_the_same_in_every_process():
    outputs = {
        subprocess.run(
            [sys.executable, "-c", RENDER],
            input=SOURCE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(4)
    }

    assert outputs == {render_markdown(SOURCE)}
    assert '<img src="/a.png" alt="图" loading="lazy" decoding="async">' in "".join(
        outputs
    )


@pytest.mark.parametrize(
    "source",
    [
        "a <select>\n\nb\n\nc",
        "<select><option>1\n\nx\n\ny",
        "<p>一<select><p>二</p></select>三</p>",
        SOURCE,
    ],
)
def test_sanitising_rendered_html_again_changes_nothing(source):
    html = render_markdown(source)

    assert sanitize_html(html) == html
    assert sanitize_html(sanitize_html(source)) == sanitize_html(source)


@pytest.mark.parametrize(
    "source",
    [
        "<pre>\n\nkept</pre>",
        '<pre class="highlight">\n\n\n三行</pre>',
        '<pre title="a>b">\n</pre>',
        # What the check of the sanitizer's properties found: the newline
        # before a dropped <STYLE> becomes the <pre>'s first text.
        "<pre\nhref=\"x\" /onload=`a'\x0ctitle = '#top['al'+'ert'](1)` />\n"
        "<STYLE>b{}</STYLE>\n\n",
    ],
)
def test_a_pre_that_begins_with_a_newline_keeps_it(source):
    from bs4 import BeautifulSoup

    html = sanitize_html(source)

    assert sanitize_html(html) == html
    assert sanitize_html(render_markdown(source)) == render_markdown(source)
    # A parser drops one newline after <pre>: the text read back is nh3's.
    text = BeautifulSoup(html, "html.parser").pre.get_text()
    assert BeautifulSoup(sanitize_html(html), "html.parser").pre.get_text() == text
