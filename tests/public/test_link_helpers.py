"""The templates' cheap link helpers (cms.templating) write exactly what
url_for writes, for plain values (cut once, filled in) and for the others
(quoted by url_for), under the site's root and under a script root."""

from __future__ import annotations

import pytest
from flask import url_for

from cms.templating import article_url, author_url, category_url, tag_url

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
