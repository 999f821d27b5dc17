"""The category, tag and author lists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.database import write_transaction
from cms.models import ArticleStatus, utcnow
from cms.services.taxonomy import category_named
from tests.factories import make_user
from tests.public.conftest import card_titles, parse


def canonical(soup) -> list[str]:
    return [link["href"] for link in soup.select('link[rel="canonical"]')]


@pytest.fixture
def categories(app):
    """技术 (slug ji-shu) with the child Python, and the unrelated 生活."""
    with app.app_context(), write_transaction():
        parent = category_named("技术")
        category_named("Python", parent=parent)
        category_named("生活")


def test_category_lists_its_own_and_its_childrens_visible_articles(
    client, categories, publish
):
    publish(title="技术文章", category="技术", ago=timedelta(hours=3))
    publish(title="子分类文章", category="Python", ago=timedelta(hours=1))
    publish(title="生活文章", category="生活", ago=timedelta(hours=2))
    publish(title="无分类文章")
    publish(title="技术草稿", category="技术", status=ArticleStatus.DRAFT)
    publish(
        title="技术定时", category="技术", published_at=utcnow() + timedelta(days=1)
    )
    publish(title="子分类草稿", category="Python", status=ArticleStatus.PENDING)

    response = client.get("/category/ji-shu/")

    assert response.status_code == 200
    soup = parse(response)
    assert card_titles(soup) == ["子分类文章", "技术文章"]
    assert "技术" in soup.select_one("h1").get_text()
    assert canonical(soup) == ["http://cms.test/category/ji-shu/"]


def test_child_category_lists_only_its_own(client, categories, publish):
    publish(title="技术文章", category="技术")
    publish(title="子分类文章", category="Python")

    soup = parse(client.get("/category/python/"))

    assert card_titles(soup) == ["子分类文章"]


def test_tag_lists_only_its_visible_articles(client, publish):
    publish(title="带标签旧", tags=("Python", "教程"), ago=timedelta(hours=2))
    publish(title="带标签新", tags=("Python",), ago=timedelta(hours=1))
    publish(title="别的标签", tags=("教程",))
    publish(title="带标签草稿", tags=("Python",), status=ArticleStatus.DRAFT)
    publish(
        title="带标签定时", tags=("Python",), published_at=utcnow() + timedelta(hours=1)
    )

    response = client.get("/tag/python/")

    assert response.status_code == 200
    soup = parse(response)
    assert card_titles(soup) == ["带标签新", "带标签旧"]
    assert canonical(soup) == ["http://cms.test/tag/python/"]
    assert card_titles(parse(client.get("/tag/jiao-cheng/"))) == [
        "别的标签",
        "带标签旧",
    ]


def test_author_lists_only_their_visible_articles(app, client, publish):
    with app.app_context():
        other = make_user(username="other", display_name="张三", password=None)
    publish(title="我的旧文", ago=timedelta(hours=2))
    publish(title="我的新文", ago=timedelta(hours=1))
    publish(title="别人的文", owner=other)
    publish(title="我的草稿", status=ArticleStatus.DRAFT)
    publish(title="我的定时", published_at=utcnow() + timedelta(hours=1))

    response = client.get("/author/writer/")

    assert response.status_code == 200
    soup = parse(response)
    assert card_titles(soup) == ["我的新文", "我的旧文"]
    assert "王小明" in soup.select_one("h1").get_text()
    assert canonical(soup) == ["http://cms.test/author/writer/"]


def test_canonical_drops_other_query_parameters(client, publish):
    publish(tags=("Python",))

    soup = parse(client.get("/tag/python/?utm_source=feed&page=1"))

    assert canonical(soup) == ["http://cms.test/tag/python/"]


def test_canonical_ignores_the_host_header(client, publish):
    publish(tags=("Python",))

    soup = parse(client.get("/tag/python/", headers={"Host": "evil.example"}))

    assert canonical(soup) == ["http://cms.test/tag/python/"]


@pytest.mark.parametrize(
    "path", ["/category/no-such/", "/tag/no-such/", "/author/nobody/"]
)
def test_unknown_slug_or_username_is_404(client, categories, publish, path):
    publish(category="技术", tags=("Python",))

    assert client.get(path).status_code == 404


def test_known_but_empty_list_is_200(client, categories):
    response = client.get("/category/sheng-huo/")

    assert response.status_code == 200
    assert card_titles(parse(response)) == []


class TestPagination:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"ARTICLES_PER_PAGE": 2}

    @pytest.fixture
    def listed(self, publish):
        for n in range(1, 4):  # 文章1 is the oldest
            publish(
                title=f"文章{n}",
                category="技术",
                tags=("Python",),
                ago=timedelta(hours=10 - n),
            )
        publish(title="不在列表", category="生活", tags=("生活",))

    @pytest.mark.parametrize(
        "path", ["/category/ji-shu/", "/tag/python/", "/author/writer/"]
    )
    def test_lists_are_paginated(self, client, listed, path):
        if path.startswith("/author/"):
            expected = [["不在列表", "文章3"], ["文章2", "文章1"]]
        else:
            expected = [["文章3", "文章2"], ["文章1"]]

        first = client.get(path)
        second = client.get(path + "?page=2")
        past_end = client.get(path + "?page=3")

        assert card_titles(parse(first)) == expected[0]
        assert second.status_code == 200
        assert card_titles(parse(second)) == expected[1]
        # each page is its own canonical, not a duplicate of the first
        assert canonical(parse(first)) == [f"http://cms.test{path}"]
        assert canonical(parse(second)) == [f"http://cms.test{path}?page=2"]
        next_link = parse(first).select_one(".pagination a[rel=next]")
        assert next_link["href"] == path + "?page=2"
        assert past_end.status_code == 404
