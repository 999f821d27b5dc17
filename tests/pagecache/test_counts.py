"""Filling a stored page at a hit (cms.pagecache.counts.filled): the sidebar
in its slot, the count and the token in theirs, whatever their order."""

from __future__ import annotations

from cms.pagecache.backends import Entry
from cms.pagecache.counts import TOKEN, VIEWS, cut, filled
from cms.pagecache.fragments import SLOT, split

PAGE = (
    '<article data-views="12"><span class="views">阅读 12</span></article>'
    "<!--cms:sidebar--><aside>热门</aside><!--/cms:sidebar-->"
    '<input type="hidden" id="csrf_token" name="csrf_token" value="old">'
).encode()


def _entry(body: bytes) -> Entry:
    return Entry("200 OK", [], body, '"e"', 0.0, 1.0)


def test_a_page_is_filled_back_as_it_was_cut():
    parts = cut(PAGE)
    template, sidebar = split(parts.template)
    assert parts.views == 12 and parts.token and sidebar is not None
    assert SLOT in template and VIEWS in template and TOKEN in template
    entry = _entry(template)
    page = filled(entry, sidebar, 13, "new")
    assert page == PAGE.replace(b"12", b"13").replace(b'value="old"', b'value="new"')
    # Cut once, kept with the entry: the next hit fills the same parts anew.
    assert entry.parts is not None
    assert filled(entry, sidebar, 14, "t2").count(b"14") == 2
    assert b'value="t2"' in filled(entry, sidebar, 14, "t2")


def test_slots_given_nothing_stay_and_only_the_first_sidebar_slot_is_filled():
    body = b"a" + SLOT + b"b" + VIEWS + b"c" + SLOT + TOKEN
    page = filled(_entry(body), b"<S>", None, None)
    assert page == b"a<S>b" + VIEWS + b"c" + SLOT + TOKEN
    assert filled(_entry(b"plain"), None, 1, "t") == b"plain"
