"""nh3 handed stand-ins for `&` and the no-break space (cms.text.stand_ins)
writes exactly the HTML it writes for the characters themselves, in every
context: text, attribute values, URLs, raw text, comments, references
spelt every way."""

from __future__ import annotations

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms.text.markdown import _cleaner
from cms.text.stand_ins import clean

PIECES = [
    "&", "&amp;", "&nbsp;", "&lt;", "&gt;", "&quot;", "&#", "&#38;", "&#x26;",
    "&#x", "&1", "&a", "&amp", "&nbsp", "&notin;", "&ab;", "\xa0", ";", "#",
    "x", " ", "\n", "=", "'", '"', "<", ">", "/", "<p>", "</p>", "<a href='",
    "<a href=", "<img src=", "<p title=", "<xmp>", "</xmp>", "<iframe>",
    "<textarea>", "<script>", "</script>", "<!--", "-->", "<b>", "</b>",
    "<td>", "<table>", "javascript:", "http://x/?a=1", "\ue000", "\ue001",
]  # fmt: skip


@pytest.fixture(scope="module")
def cleaner() -> nh3.Cleaner:
    return _cleaner()


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_the_same_html_as_nh3_writes(html):
    cleaner = _cleaner()

    assert clean(cleaner, html) == cleaner.clean(html)


@pytest.mark.parametrize(
    "html",
    [
        "公司&nbsp;&nbsp;简介\xa0\xa0",
        "<p title='a&amp;b&c'>x &amp;lt; y &#38; z</p>",
        "<a href='https://x.test/?a=1&amp;b=2&c=3'>链接</a>",
        "<xmp>&amp; 原样 & \xa0</xmp>&amp;",
        "<p>\ue000\ue001 & \xa0 &amp;</p>",
        "".join(chr(c) for c in range(0xE000, 0xE100)) + "&\xa0",
    ],
)
def test_the_same_html_on_pages_people_write(cleaner, html):
    assert clean(cleaner, html) == cleaner.clean(html)


def test_the_stand_ins_are_found_outside_the_bmp_when_it_is_used_up(cleaner):
    html = "".join(chr(c) for c in range(0xE000, 0xF900)) + "&amp;\xa0&"

    assert clean(cleaner, html) == cleaner.clean(html)
