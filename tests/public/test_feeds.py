"""Machine-readable pages: the RSS feed, the sitemap, robots.txt and /healthz."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from cms.extensions import db
from cms.models import ArticleStatus, User, utcnow
from cms.services.page_edits import PageInput
from cms.services.pages import create_page
from tests.public.conftest import EVENING_UTC

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$"
)


def article_url(item) -> str:
    return f"http://cms.test/{item.public_id}.html"


@pytest.fixture
def hidden(publish):
    """One article of every kind readers must not see."""
    return [
        publish(title="草稿", status=ArticleStatus.DRAFT),
        publish(title="待审", status=ArticleStatus.PENDING),
        publish(title="回收", status=ArticleStatus.TRASH, published_at=EVENING_UTC),
        publish(title="定时", published_at=utcnow() + timedelta(days=1)),
    ]


# --- RSS ---------------------------------------------------------------------


def test_feed_is_rss_2_with_the_site_as_channel(client, site, publish):
    publish()

    response = client.get("/feed.xml")

    assert response.status_code == 200
    assert response.mimetype == "application/rss+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") == site
    assert channel.findtext("link") == "http://cms.test/"


def test_feed_items_are_visible_articles_newest_first(client, publish, hidden):
    older = publish(title="旧文", ago=timedelta(hours=2))
    newer = publish(title="新文", ago=timedelta(hours=1))

    root = ET.fromstring(client.get("/feed.xml").data)

    items = root.findall("channel/item")
    assert [i.findtext("title") for i in items] == ["新文", "旧文"]
    assert [i.findtext("link") for i in items] == [
        article_url(newer),
        article_url(older),
    ]


def test_feed_item_fields(client, publish):
    item = publish(
        title="标题 & <符号>",
        excerpt="摘要：订阅者先看到这里。",
        published_at=EVENING_UTC,
    )

    entry = ET.fromstring(client.get("/feed.xml").data).find("channel/item")

    assert entry.findtext("title") == "标题 & <符号>"
    assert entry.findtext("link") == article_url(item)
    assert entry.findtext("guid") == article_url(item)
    pub_date = entry.findtext("pubDate")
    assert RFC822.match(pub_date), pub_date
    assert parsedate_to_datetime(pub_date) == EVENING_UTC
    assert entry.findtext("description") == "摘要：订阅者先看到这里。"


def test_feed_holds_at_most_20_items(client, publish):
    items = [publish(title=f"第{n}篇", ago=timedelta(hours=n + 1)) for n in range(22)]

    entries = ET.fromstring(client.get("/feed.xml").data).findall("channel/item")

    assert [e.findtext("link") for e in entries] == [article_url(i) for i in items[:20]]


def test_empty_feed_is_still_valid(client):
    response = client.get("/feed.xml")

    assert response.status_code == 200
    assert ET.fromstring(response.data).findall("channel/item") == []


# --- sitemap -----------------------------------------------------------------


def test_sitemap_lists_visible_articles_categories_and_tags(client, publish, hidden):
    visible = [
        publish(category="技术", tags=("Python",)),
        publish(category="生活", tags=("教程",)),
    ]

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{SITEMAP_NS}urlset"
    locs = [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]
    assert len(locs) == len(set(locs))
    for item in visible:
        assert article_url(item) in locs
    for item in hidden:
        assert article_url(item) not in locs
    for path in (
        "/category/ji-shu/",
        "/category/sheng-huo/",
        "/tag/python/",
        "/tag/jiao-cheng/",
    ):
        assert f"http://cms.test{path}" in locs
    assert "http://cms.test/" in locs


def test_sitemap_lists_published_pages_only(client, app, admin):
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == admin))
        create_page(PageInput("关于我们", "正文", slug="about"), actor, publish=True)
        create_page(PageInput("草稿页面", "正文", slug="draft-page"), actor)

    root = ET.fromstring(client.get("/sitemap.xml").data)
    locs = [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]

    assert "http://cms.test/page/about/" in locs
    assert "http://cms.test/page/draft-page/" not in locs


# --- robots.txt --------------------------------------------------------------


def test_robots_txt(client):
    response = client.get("/robots.txt", headers={"Host": "evil.example"})

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /moderation/" in lines
    assert "Sitemap: http://cms.test/sitemap.xml" in lines


# --- health check ------------------------------------------------------------


def test_healthz_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_healthz_503_when_the_database_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with monkeypatch.context() as patch:
        patch.setattr(db.session, "execute", broken)
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.get_data(as_text=True) != "ok"
    assert client.get("/healthz").status_code == 200
