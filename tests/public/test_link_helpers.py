"""The templates' cheap link helpers (cms.templating) write exactly what
url_for writes, for plain values (cut once, filled in) and for the others
(quoted by url_for), under the site's root and under a script root."""

from __future__ import annotations

import pytest
from flask import url_for

from cms.templating import (
    article_url,
    author_url,
    category_url,
    tag_url,
    template_url_for,
)

HELPERS = [
    (article_url, "public.article", "public_id"),
    (author_url, "public.author", "username"),
    (category_url, "public.category", "slug"),
    (tag_url, "public.tag", "slug"),
]
VALUES = [
    "abcdefghIJKLMN01", "author-01", "cui_shou", "理财", "a b", "x/y", "a%2F",
    "O'Brien", "100%", "a?b#c", "Ümlaut",
]  # fmt: skip


@pytest.mark.parametrize(("helper", "endpoint", "name"), HELPERS)
def test_each_helper_writes_what_url_for_writes(app, helper, endpoint, name):
    for root in ("", "/blog", ""):  # one process may serve under two roots
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for value in VALUES:
                if endpoint == "public.article" and len(value) != 16:
                    continue  # the route takes 16 characters only
                assert helper(value) == url_for(endpoint, **{name: value}), value
            assert helper("plain-value-0001").startswith(f"{root}/")


FIXED = [
    ("static", {"filename": "css/site.css"}),
    ("static", {"filename": "js/comments.js"}),
    ("static", {"filename": "img/中文 name.svg"}),
    ("public.feed", {}),
    ("public.index", {}),
    ("auth.login", {}),
]


def test_template_url_for_keeps_fixed_addresses_per_script_root(app):
    """An address without values (or a static file's) is built once per
    script root; each is what url_for writes, under either root."""
    for root in ("", "/blog", ""):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for endpoint, values in FIXED:
                expected = url_for(endpoint, **values)
                assert template_url_for(endpoint, **values) == expected
                assert template_url_for(endpoint, **values) == expected  # kept
                assert expected.startswith(f"{root}/")


ONE_VALUE = [
    ("public.page", "slug", ["about", "guest-book_2", "关于", "a b", "x/y"]),
    ("comments.post", "public_id", ["abcdefghIJKLMN01"]),
    ("comments.post_page", "slug", ["about", "留言"]),
    ("public.unlock", "public_id", ["abcdefghIJKLMN01"]),
    ("tipping.qr", "key", ["abcdefghijklmnopqrstuvwx"]),  # 24 long, not 16
    ("public.sitemap_part", "part", ["posts-1", "pages"]),
    ("public.media", "key", ["2026/12/a.png", "cover"]),
    ("public.feed", "q", ["plain", "两个 词"]),  # not a route argument: a query
    ("public.feed", "page", ["2"]),  # the same endpoint, another name
    ("moderation.post_edit", "article_id", ["12"]),  # an int converter
]


def test_template_url_for_one_text_value_is_what_url_for_writes(app):
    """A call of one text value is cut once per endpoint and name, filled in
    for plain values; anything the placeholder cannot stand for (quoting, a
    converter that refuses it) is url_for's, under either root."""
    for root in ("", "/blog", ""):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for endpoint, name, values in ONE_VALUE:
                for value in values:
                    expected = url_for(endpoint, **{name: value})
                    for _ in range(2):  # built, then kept
                        got = template_url_for(endpoint, **{name: value})
                        assert got == expected, (endpoint, value)
                    assert expected.startswith(f"{root}/")


def test_template_url_for_passes_other_calls_to_url_for(app):
    with app.test_request_context("/"):
        address = template_url_for("public.tag", slug="理财")
        assert address == url_for("public.tag", slug="理财")
        external = template_url_for("public.feed", _external=True)
        assert external == url_for("public.feed", _external=True)
        assert external.startswith("http://")
        anchored = template_url_for("public.index", _anchor="comments")
        assert anchored == url_for("public.index", _anchor="comments")
        assert anchored.endswith("#comments")


def test_templates_use_it(app):
    assert app.jinja_env.globals["url_for"] is template_url_for


def test_the_app_keeps_what_the_cut_addresses_assume(app):
    """The kept addresses (cms.templating) hold only while no url_defaults
    callback and no rule's `defaults` can change an address by its values:
    whoever adds one must key the kept addresses on it first."""
    assert not any(app.url_default_functions.values())
    assert [rule.rule for rule in app.url_map.iter_rules() if rule.defaults] == []
