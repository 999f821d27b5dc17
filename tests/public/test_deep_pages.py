"""Lists at any depth: numbered pages up to LIST_MAX_PAGES, then keyset
(`?before=<public_id>`); the number of articles a list holds is kept, not
counted per request, and a change forgets it at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.models import ArticleStatus
from tests.factories import make_article, make_user
from tests.public.conftest import card_titles, parse
from tests.public.test_queries import counting


@pytest.fixture
def app_config(app_config):
    return app_config | {
        "ARTICLES_PER_PAGE": 2,
        "LIST_MAX_PAGES": 2,
        "LIST_COUNT_SECONDS": 60,
    }


@pytest.fixture
def seven(app):
    """Seven articles 1..7 minutes old (第1篇 the newest), one category."""
    with app.app_context():
        owner = make_user(username="writer", password=None)
        for n in range(1, 8):
            make_article(
                title=f"第{n}篇", owner=owner, category="软件",
                ago=timedelta(minutes=n),
            )  # fmt: skip
    return owner


def older_link(soup) -> str | None:
    link = soup.select_one(".pagination a[rel=next]")
    return link["href"] if link else None


@pytest.mark.parametrize("path", ["/", "/category/ruan-jian/", "/author/writer/"])
def test_past_the_numbered_pages_the_list_goes_on_by_keyset(client, seven, path):
    second = parse(client.get(f"{path}?page=2"))
    assert card_titles(second) == ["第3篇", "第4篇"]
    href = older_link(second)
    assert href.startswith(f"{path}?before=")
    # Page numbers stop at LIST_MAX_PAGES.
    assert [a.get_text() for a in second.select(".pagination a:not([rel])")] == ["1"]
    assert client.get(f"{path}?page=3").status_code == 404

    third = parse(client.get(href))
    assert card_titles(third) == ["第5篇", "第6篇"]
    assert third.select_one("link[rel=canonical]")["href"] == f"http://cms.test{href}"
    fourth = parse(client.get(older_link(third)))
    assert card_titles(fourth) == ["第7篇"]
    assert older_link(fourth) is None


def test_a_keyset_page_costs_the_same_at_any_depth(app, client, seven):
    from tests.public.test_queries import queries

    first = parse(client.get(older_link(parse(client.get("/?page=2")))))
    deeper = older_link(first)
    shallow = queries(app, client, older_link(parse(client.get("/?page=2"))))
    deep = queries(app, client, deeper)
    assert len(shallow) == len(deep)
    # Entered by the cursor's (published_at, id), not by skipping rows.
    assert any("articles.published_at < " in q for q in deep), deep


@pytest.mark.parametrize("cursor", ["nonsense", "0" * 16, "draft"])
def test_a_bad_cursor_is_404(app, client, seven, cursor):
    if cursor == "draft":
        with app.app_context():
            cursor = make_article(status=ArticleStatus.DRAFT).public_id
    assert client.get(f"/?before={cursor}").status_code == 404


def test_the_list_size_is_kept_and_forgotten_on_a_change(app, client, seven):
    client.get("/category/ruan-jian/")
    with counting(app) as seen:
        page = parse(client.get("/category/ruan-jian/"))
    assert "共 7 篇文章" in page.get_text()
    assert not [q for q in seen if "count(" in q.lower()], seen

    with app.app_context():
        make_article(
            title="新文章", owner=seven, category="软件", ago=timedelta(seconds=1)
        )
    page = parse(client.get("/category/ruan-jian/"))

    assert "共 8 篇文章" in page.get_text()
    assert card_titles(page)[0] == "新文章"


def test_a_much_used_tag_lists_the_same_articles_walking_the_index(
    app, client, monkeypatch
):
    with app.app_context():
        owner = make_user(username="writer", password=None)
        for n in range(1, 6):
            make_article(
                title=f"第{n}篇", owner=owner, tags=("常用",) if n != 3 else ("别的",),
                ago=timedelta(minutes=n),
            )  # fmt: skip
    by_join = [
        card_titles(parse(client.get(f"/tag/chang-yong/?page={n}"))) for n in (1, 2)
    ]
    monkeypatch.setattr("cms.public.views.MANY_TAGGED", 1)
    with counting(app) as seen:
        walked = [
            card_titles(parse(client.get(f"/tag/chang-yong/?page={n}"))) for n in (1, 2)
        ]

    assert by_join == walked == [["第1篇", "第2篇"], ["第4篇", "第5篇"]]
    assert any("EXISTS" in q for q in seen)


def test_a_change_in_another_process_drops_the_kept_size(tmp_path):
    """Two apps on one database file stand for two workers (or servers): an
    article published through one is counted at once by the other."""
    from cms import create_app
    from cms.extensions import db

    url = f"sqlite:///{tmp_path / 'two-workers.sqlite'}"
    config = {"SQLALCHEMY_DATABASE_URI": url, "LIST_COUNT_SECONDS": 60}
    reader, writer = create_app(config), create_app(config)
    with writer.app_context():
        db.create_all()
        owner = make_user(username="writer", password=None)
        make_article(owner=owner, category="软件")
    client = reader.test_client()
    assert "共 1 篇文章" in parse(client.get("/category/ruan-jian/")).get_text()
    with counting(reader) as seen:
        client.get("/category/ruan-jian/")
    assert not [q for q in seen if "count(" in q.lower()], seen  # kept

    with writer.app_context():
        make_article(owner=owner, category="软件", ago=timedelta(seconds=1))

    assert "共 2 篇文章" in parse(client.get("/category/ruan-jian/")).get_text()
    for app in (reader, writer):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
