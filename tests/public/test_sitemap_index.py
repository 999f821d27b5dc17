"""A sitemap with more URLs than one file holds becomes a sitemap index
(/sitemap.xml → /sitemap-N.xml); the limit is SITEMAP_MAX_URLS (50,000, the
protocol's), made small here."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cms.models import ArticleStatus
from tests.factories import make_article, make_user

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LIMIT = 5


@pytest.fixture
def app_config(app_config):
    return app_config | {"SITEMAP_MAX_URLS": LIMIT}


def locs(client, path: str) -> tuple[str, list[str]]:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    return root.tag.removeprefix(NS), [e.text for e in root.iter(f"{NS}loc")]


def site(count: int, hidden: int = 0) -> tuple[list[str], list[str]]:
    """`count` visible articles in one category with one tag, and `hidden`
    drafts; (the visible ones' URLs, the drafts' URLs)."""
    owner = make_user(password=None)
    shown = [
        make_article(owner=owner, category="软件", tags=("工具",)) for _ in range(count)
    ]
    drafts = [
        make_article(owner=owner, status=ArticleStatus.DRAFT) for _ in range(hidden)
    ]

    def urls(items):
        return [f"http://cms.test/{a.public_id}.html" for a in items]

    return urls(shown), urls(drafts)


def test_a_small_site_has_one_sitemap(app, client):
    with app.app_context():
        shown, _ = site(2)

    kind, urls = locs(client, "/sitemap.xml")

    assert kind == "urlset"
    assert set(urls) == {
        "http://cms.test/",
        *shown,
        "http://cms.test/category/ruan-jian/",
        "http://cms.test/tag/gong-ju/",
    }


def test_past_the_limit_the_sitemap_is_an_index_of_parts(app, client):
    with app.app_context():
        shown, drafts = site(12, hidden=3)

    kind, parts = locs(client, "/sitemap.xml")

    assert kind == "sitemapindex"
    # 15 article ids, 5 a part: parts 2-4; part 1 holds the rest.
    assert parts == [f"http://cms.test/sitemap-{n}.xml" for n in range(1, 5)]
    listed: list[str] = []
    for part in parts:
        kind, urls = locs(client, part.removeprefix("http://cms.test"))
        assert kind == "urlset"
        assert len(urls) <= LIMIT
        listed += urls
    assert sorted(listed) == sorted(
        [
            "http://cms.test/",
            *shown,
            "http://cms.test/category/ruan-jian/",
            "http://cms.test/tag/gong-ju/",
        ]
    )
    assert not set(drafts) & set(listed)
    assert client.get("/sitemap-5.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404
