"""The article page: who may see it, its counters, and its stable HTML hooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, ArticleStatus, utcnow
from cms.services.settings import set_setting
from cms.services.views import flush_views
from tests.public.conftest import EVENING_UTC, parse


def url(item) -> str:
    return f"/{item.public_id}.html"


def stored_views(app, item) -> int:
    """The stored count, once the buffered views are written."""
    with app.app_context():
        flush_views()
        return db.session.scalar(
            select(Article.view_count).where(Article.id == item.id)
        )


# --- who may see it ----------------------------------------------------------


def test_visible_article_answers_200(client, publish):
    item = publish(title="看得见的文章")

    response = client.get(url(item))

    assert response.status_code == 200
    soup = parse(response)
    assert soup.select_one("article[data-public-id]")["data-public-id"] == (
        item.public_id
    )
    assert soup.select_one("h1").get_text(strip=True) == "看得见的文章"


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": ArticleStatus.DRAFT},
        {"status": ArticleStatus.PENDING},
        {"status": ArticleStatus.TRASH, "published_at": EVENING_UTC},
        {"published_at": datetime.now(UTC) + timedelta(days=1)},
    ],
    ids=["draft", "pending", "trash", "future"],
)
def test_hidden_article_is_404_and_not_counted(app, client, publish, hidden):
    item = publish(**hidden)

    response = client.get(url(item))

    assert response.status_code == 404
    assert stored_views(app, item) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/0123456789abcdef.html",  # the right shape, but no such article
        "/0123456789abcde.html",  # 15 characters
        "/0123456789abcdefg.html",  # 17 characters
    ],
)
def test_unknown_or_malformed_id_is_404(client, publish, path):
    publish()

    assert client.get(path).status_code == 404


def test_scheduled_article_shows_up_by_itself_when_its_time_comes(
    client, publish, monkeypatch
):
    due = utcnow() + timedelta(minutes=30)
    item = publish(title="定时发布", published_at=due)
    assert client.get(url(item)).status_code == 404
    assert "定时发布" not in parse(client.get("/")).get_text()

    later = due + timedelta(seconds=1)
    # The clock of every service that decides visibility moves on.
    monkeypatch.setattr("cms.services.articles.utcnow", lambda: later)
    monkeypatch.setattr("cms.services.published.utcnow", lambda: later)
    monkeypatch.setattr("cms.services.views.utcnow", lambda: later)

    assert client.get(url(item)).status_code == 200
    assert "定时发布" in [
        a.get_text(strip=True) for a in parse(client.get("/")).select(".card-title a")
    ]


# --- views -------------------------------------------------------------------


def test_each_view_adds_exactly_one(app, client, publish):
    item = publish()

    first = parse(client.get(url(item)))
    assert first.select_one("article[data-views]")["data-views"] == "1"
    assert stored_views(app, item) == 1

    second = parse(client.get(url(item)))
    assert second.select_one("article[data-views]")["data-views"] == "2"
    assert stored_views(app, item) == 2


def test_views_continue_from_the_stored_count(app, client, publish):
    item = publish(view_count=41)

    soup = parse(client.get(url(item)))

    assert soup.select_one("article[data-views]")["data-views"] == "42"
    assert stored_views(app, item) == 42


def test_the_shown_count_includes_views_not_yet_written(app, client, publish):
    item = publish(view_count=41)

    client.get(url(item))
    client.get(url(item))
    with app.app_context():
        assert (
            db.session.scalar(select(Article.view_count).where(Article.id == item.id))
            == 41
        )  # buffered, not written per view
    soup = parse(client.get(url(item)))

    assert soup.select_one("article[data-views]")["data-views"] == "44"
    assert stored_views(app, item) == 44


def test_a_bot_reads_the_page_but_is_not_counted(app, client, publish):
    item = publish(view_count=5)
    agent = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"

    response = client.get(url(item), headers={"User-Agent": agent})

    assert response.status_code == 200
    assert parse(response).select_one("article[data-views]")["data-views"] == "5"
    assert stored_views(app, item) == 5


def test_a_view_of_one_article_leaves_the_others_alone(app, client, publish):
    seen, other = publish(), publish()

    client.get(url(seen))

    assert stored_views(app, seen) == 1
    assert stored_views(app, other) == 0


# --- attribution -------------------------------------------------------------


def test_attribution_names_contributor_site_and_canonical_link(client, site, publish):
    item = publish(contributor="投稿人甲")
    canonical = f"http://cms.test/{item.public_id}.html"

    attribution = parse(client.get(url(item))).select_one(".attribution")

    text = attribution.get_text()
    assert "投稿人甲" in text
    assert site in text
    assert "王小明" not in text  # the contributor is credited, not the owner
    link = attribution.find("a", href=canonical)
    assert link is not None
    assert link.get_text(strip=True) == canonical


def test_attribution_credits_the_owner_without_a_contributor(client, site, publish):
    item = publish(contributor="")

    attribution = parse(client.get(url(item))).select_one(".attribution")

    assert "王小明" in attribution.get_text()


def test_attribution_escapes_the_contributor(client, publish):
    item = publish(contributor='<b onclick="x()">坏人</b>')

    attribution = parse(client.get(url(item))).select_one(".attribution")

    assert attribution.find("b") is None
    assert '<b onclick="x()">坏人</b>' in attribution.get_text()


# --- previous / next ---------------------------------------------------------


@pytest.fixture
def three(publish):
    """Three visible articles a day apart, with hidden ones around them."""
    oldest = publish(
        title="最早的", published_at=datetime(2024, 12, 1, 2, 0, tzinfo=UTC)
    )
    publish(title="草稿夹在中间", status=ArticleStatus.DRAFT)
    middle = publish(
        title="中间的", published_at=datetime(2024, 12, 2, 2, 0, tzinfo=UTC)
    )
    publish(
        title="回收站里的",
        status=ArticleStatus.TRASH,
        published_at=datetime(2024, 12, 2, 12, 0, tzinfo=UTC),
    )
    newest = publish(
        title="最新的", published_at=datetime(2024, 12, 3, 2, 0, tzinfo=UTC)
    )
    publish(title="未来的", published_at=utcnow() + timedelta(days=1))
    return oldest, middle, newest


def test_post_nav_links_the_next_older_and_the_next_newer(client, three):
    oldest, middle, newest = three

    nav = parse(client.get(url(middle))).select_one(".post-nav")

    prev, next_ = nav.select("a[rel=prev]"), nav.select("a[rel=next]")
    assert len(prev) == 1 and len(next_) == 1
    assert prev[0]["href"] == url(oldest)
    assert "最早的" in prev[0].get_text()
    assert "2024年12月01日" in prev[0].get_text()
    assert next_[0]["href"] == url(newest)
    assert "最新的" in next_[0].get_text()
    assert "2024年12月03日" in next_[0].get_text()


def test_post_nav_has_no_prev_on_the_oldest(client, three):
    oldest, middle, _ = three

    nav = parse(client.get(url(oldest))).select_one(".post-nav")

    assert nav.select_one("a[rel=prev]") is None
    assert nav.select_one("a[rel=next]")["href"] == url(middle)


def test_post_nav_has_no_next_on_the_newest_even_with_a_scheduled_one(client, three):
    _, middle, newest = three

    nav = parse(client.get(url(newest))).select_one(".post-nav")

    assert nav.select_one("a[rel=next]") is None
    assert nav.select_one("a[rel=prev]")["href"] == url(middle)


def test_post_nav_orders_articles_of_the_same_second_by_id(client, publish):
    same = datetime(2024, 12, 5, 8, 0, tzinfo=UTC)
    first, second, third = (publish(title=f"同时{n}", published_at=same) for n in "123")

    nav = parse(client.get(url(second))).select_one(".post-nav")

    assert nav.select_one("a[rel=prev]")["href"] == url(first)
    assert nav.select_one("a[rel=next]")["href"] == url(third)


# --- comments block and body -------------------------------------------------


def test_comments_block_without_comments(client, publish):
    item = publish()

    comments = parse(client.get(url(item))).select_one("#comments")

    assert comments is not None
    assert comments["data-count"] == "0"
    assert "暂无评论" in comments.get_text()


def test_body_is_rendered_and_sanitized(client, publish):
    item = publish(
        body=(
            "正文**加粗**。\n\n"
            "<script>alert('script')</script>\n\n"
            '<img src="/x.png" onerror="alert(\'img\')">\n\n'
            "<a href=\"javascript:alert('link')\">链接</a>\n"
        )
    )

    response = client.get(url(item))

    soup = parse(response)
    body = soup.select_one(".post-body")
    assert body.find("strong").get_text() == "加粗"
    assert body.find("script") is None
    assert body.find(attrs={"onerror": True}) is None
    assert body.find("img")["src"] == "/x.png"
    assert all(
        not a.get("href", "").lower().startswith("javascript:")
        for a in body.find_all("a")
    )
    assert "alert(" not in response.get_data(as_text=True)
    # the only inline script on the page is the structured data; others are ours
    inline = [s for s in soup.find_all("script") if not s.get("src")]
    assert [s.get("type") for s in inline] == ["application/ld+json"]
    assert all(
        s["src"].startswith("/static/") for s in soup.find_all("script", src=True)
    )


# --- SEO ---------------------------------------------------------------------


@pytest.fixture
def seo_article(site, publish):
    return publish(
        title="搜索引擎看的标题",
        excerpt='摘要里有 & 和 "引号" 以及 <尖括号>',
        contributor="投稿人乙",
        published_at=EVENING_UTC,
    )


def test_title_and_meta_description(client, site, seo_article):
    soup = parse(client.get(url(seo_article)))

    title = soup.title.get_text()
    assert "搜索引擎看的标题" in title
    assert site in title
    description = soup.select('meta[name="description"]')
    assert len(description) == 1
    assert description[0]["content"] == seo_article.summary
    assert seo_article.summary == '摘要里有 & 和 "引号" 以及 <尖括号>'


def test_long_description_is_cut_by_characters_not_by_escaped_markup(client, publish):
    summary = '"引号"&' * 30 + "结尾" * 40
    item = publish(excerpt=summary)

    soup = parse(client.get(url(item)))

    description = soup.select_one('meta[name="description"]')["content"]
    og_description = soup.select_one('meta[property="og:description"]')["content"]
    assert description == summary[:159] + "…"
    assert og_description == description


def test_canonical_comes_from_site_url_not_from_the_host_header(client, seo_article):
    response = client.get(url(seo_article), headers={"Host": "evil.example"})

    assert response.status_code == 200
    soup = parse(response)
    canonical = soup.select('link[rel="canonical"]')
    assert [link["href"] for link in canonical] == [
        f"http://cms.test/{seo_article.public_id}.html"
    ]
    assert "evil.example" not in response.get_data(as_text=True)


def test_open_graph(client, seo_article):
    soup = parse(client.get(url(seo_article)))

    def og(prop):
        tags = soup.select(f'meta[property="{prop}"]')
        assert len(tags) == 1, prop
        return tags[0]["content"]

    assert og("og:title") == "搜索引擎看的标题"
    assert og("og:url") == f"http://cms.test/{seo_article.public_id}.html"
    assert og("og:type") == "article"


def test_structured_data(client, seo_article):
    soup = parse(client.get(url(seo_article)))

    scripts = soup.select('script[type="application/ld+json"]')
    assert len(scripts) == 1
    data = json.loads(scripts[0].string)
    assert data["@type"] == "Article"
    assert data["headline"] == "搜索引擎看的标题"
    assert data["author"]["name"] == "投稿人乙"
    assert datetime.fromisoformat(data["datePublished"]) == EVENING_UTC


def test_structured_data_cannot_be_broken_out_of(client, publish):
    item = publish(title="</script><script>alert(1)</script>")

    soup = parse(client.get(url(item)))

    scripts = [s for s in soup.find_all("script") if not s.get("src")]
    assert len(scripts) == 1
    assert json.loads(scripts[0].string)["headline"] == (
        "</script><script>alert(1)</script>"
    )


# --- time zone ---------------------------------------------------------------


def test_times_are_shown_in_shanghai_by_default(client, publish):
    item = publish(published_at=EVENING_UTC)

    time = parse(client.get(url(item))).select_one(".post-meta time")

    assert time.get_text(strip=True) == "2024-12-11 02:30"
    assert datetime.fromisoformat(time["datetime"]) == EVENING_UTC


def test_site_timezone_changes_the_shown_time(app, client, publish):
    item = publish(published_at=EVENING_UTC)
    with app.app_context():
        set_setting("site.timezone", "UTC")

    time = parse(client.get(url(item))).select_one(".post-meta time")
    card_time = parse(client.get("/")).select_one("article.card time")

    assert time.get_text(strip=True) == "2024-12-10 18:30"
    assert datetime.fromisoformat(time["datetime"]) == EVENING_UTC
    assert card_time.get_text(strip=True) == "2024年12月10日"
