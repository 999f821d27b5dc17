"""The home page: newest visible articles, paginated, each as a card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from cms.extensions import db
from cms.models import Article, ArticleStatus, utcnow
from tests.public.conftest import EVENING_UTC, card_titles, parse


def test_lists_only_visible_articles_newest_first(client, publish):
    publish(title="最早", ago=timedelta(hours=3))
    publish(title="最新", ago=timedelta(minutes=5))
    publish(title="中间", ago=timedelta(hours=2))
    publish(title="草稿", status=ArticleStatus.DRAFT)
    publish(title="待审", status=ArticleStatus.PENDING)
    publish(title="回收", status=ArticleStatus.TRASH, published_at=utcnow())
    publish(title="定时", published_at=utcnow() + timedelta(days=1))

    response = client.get("/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    soup = parse(response)
    assert card_titles(soup) == ["最新", "中间", "最早"]
    page_text = soup.get_text()
    for hidden in ("草稿", "待审", "回收", "定时"):
        assert hidden not in page_text


def test_empty_site_answers_200_with_no_cards(client):
    response = client.get("/")

    assert response.status_code == 200
    assert card_titles(parse(response)) == []


def test_card_shows_title_excerpt_local_date_author_category_and_counts(
    app, client, publish
):
    item = publish(
        title="卡片标题",
        excerpt="这是手写的摘要。",
        published_at=EVENING_UTC,
        category="技术",
        view_count=42,
    )
    with app.app_context():
        db.session.execute(
            update(Article).where(Article.id == item.id).values(comment_count=3)
        )
        db.session.commit()

    soup = parse(client.get("/"))

    cards = soup.select("article.card")
    assert len(cards) == 1
    card = cards[0]
    link = card.select_one(".card-title a")
    assert link.get_text(strip=True) == "卡片标题"
    assert link["href"] == f"/{item.public_id}.html"
    assert card.select_one(".card-excerpt").get_text(strip=True) == "这是手写的摘要。"
    time = card.find("time")
    assert time.get_text(strip=True) == "2024年12月11日"
    assert time["datetime"].startswith("2024-12-11T02:30:00+08:00")
    author = card.find("a", href="/author/writer/")
    assert author is not None and author.get_text(strip=True) == "王小明"
    category = card.find("a", href="/category/ji-shu/")
    assert category is not None and category.get_text(strip=True) == "技术"
    facts = " ".join(card.select_one(".meta").get_text(" ", strip=True).split())
    assert "阅读 42" in facts
    assert "评论 3" in facts


def test_card_excerpt_is_derived_from_the_body_when_none_is_written(client, publish):
    publish(title="无摘要", body="第一段的内容。\n\n第二段。")

    card = parse(client.get("/")).select_one("article.card")

    excerpt = card.select_one(".card-excerpt").get_text(strip=True)
    assert excerpt.startswith("第一段的内容。")
    assert excerpt.endswith("第二段。")


class TestPagination:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"ARTICLES_PER_PAGE": 2}

    @pytest.fixture
    def five(self, publish):
        for n in range(1, 6):  # 文章1 is the oldest, 文章5 the newest
            publish(title=f"文章{n}", ago=timedelta(hours=10 - n))

    def test_pages_follow_each_other(self, client, five):
        first = parse(client.get("/"))
        second = client.get("/?page=2")
        third = client.get("/?page=3")

        assert card_titles(first) == ["文章5", "文章4"]
        assert second.status_code == 200
        assert card_titles(parse(second)) == ["文章3", "文章2"]
        assert third.status_code == 200
        assert card_titles(parse(third)) == ["文章1"]

    def test_pagination_links(self, client, five):
        first = parse(client.get("/"))
        middle = parse(client.get("/?page=2"))
        last = parse(client.get("/?page=3"))

        assert first.select_one(".pagination a[rel=next]")["href"] == "/?page=2"
        assert first.select_one(".pagination a[rel=prev]") is None
        assert middle.select_one(".pagination a[rel=prev]")["href"] == "/?page=1"
        assert middle.select_one(".pagination a[rel=next]")["href"] == "/?page=3"
        assert last.select_one(".pagination a[rel=next]") is None

    def test_each_page_is_its_own_canonical(self, client, five):
        def canonical(path):
            soup = parse(client.get(path, headers={"Host": "evil.example"}))
            return [link["href"] for link in soup.select('link[rel="canonical"]')]

        assert canonical("/") == ["http://cms.test/"]
        assert canonical("/?page=1") == ["http://cms.test/"]
        assert canonical("/?page=2") == ["http://cms.test/?page=2"]
        assert canonical("/?page=2&utm_source=x") == ["http://cms.test/?page=2"]

    @pytest.mark.parametrize("page", ["4", "99", "0", "-1"])
    def test_a_page_past_the_end_is_404(self, client, five, page):
        response = client.get(f"/?page={page}")

        assert response.status_code == 404

    def test_hidden_articles_do_not_count_towards_pages(self, client, publish):
        publish(title="可见1", ago=timedelta(hours=2))
        publish(title="可见2", ago=timedelta(hours=1))
        for _ in range(3):
            publish(status=ArticleStatus.DRAFT)
        publish(published_at=utcnow() + timedelta(hours=1))

        assert card_titles(parse(client.get("/"))) == ["可见2", "可见1"]
        assert client.get("/?page=2").status_code == 404
