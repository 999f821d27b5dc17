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


def test_template_url_for_passes_other_calls_to_url_for(app):
    with app.test_request_context("/"):
        address = template_url_for("public.tag", slug="理财")
        assert address == url_for("public.tag", slug="理财")
        external = template_url_for("public.feed", _external=True)
        assert external == url_for("public.feed", _external=True)
        assert external.startswith("http://")


def test_templates_use_it(app):
    assert app.jinja_env.globals["url_for"] is template_url_for
