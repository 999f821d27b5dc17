"""An article's source: 原创, or 转载 with the original's link, which the
attribution notice and the structured data name instead of the site's own
reprint notice."""

from __future__ import annotations

import json

from cms.extensions import db
from cms.models import Article
from tests.posts.support import form_data, parse

ORIGIN = "https://example.org/post/42"


def _new(client, **fields):
    return client.post("/moderation/posts/new", data=form_data(do="publish", **fields))


def test_a_reprint_names_and_links_its_original(app, as_editor):
    response = _new(as_editor, source="reprint", source_url=ORIGIN)

    assert response.status_code == 303
    with app.app_context():
        article = db.session.scalars(db.select(Article)).one()
        assert (article.source, article.source_url) == ("reprint", ORIGIN)
    page = parse(app.test_client().get(f"/{article.public_id}.html"))
    notice = page.select_one(".attribution")
    assert "本文转载自" in notice.get_text() and "版权归原作者所有" in notice.get_text()
    assert [a["href"] for a in notice.select("a")] == [ORIGIN]
    mark = page.select_one(".post-meta .source-mark")
    assert (mark.get_text(), mark["href"]) == ("转载", ORIGIN)
    ld = json.loads(page.select_one("script[type='application/ld+json']").string)
    assert ld["isBasedOn"] == ORIGIN


def test_an_original_keeps_the_sites_notice(app, as_editor):
    assert _new(as_editor).status_code == 303

    with app.app_context():
        article = db.session.scalars(db.select(Article)).one()
        assert (article.source, article.source_url) == ("original", "")
    page = parse(app.test_client().get(f"/{article.public_id}.html"))
    assert page.select_one(".post-meta .source-mark").get_text() == "原创"
    assert "转载自" not in page.select_one(".attribution").get_text()


def test_a_reprint_without_a_link_is_refused(app, as_editor):
    for url in ("", "javascript:alert(1)", "example.org/x"):
        response = _new(as_editor, source="reprint", source_url=url)

        assert response.status_code == 400
        assert "原文链接" in parse(response).get_text()
    with app.app_context():
        assert db.session.scalars(db.select(Article)).all() == []


def test_the_editor_shows_the_source_fields(app, as_editor):
    _new(as_editor, source="reprint", source_url=ORIGIN)
    with app.app_context():
        article_id = db.session.scalars(db.select(Article.id)).one()

    soup = parse(as_editor.get(f"/moderation/posts/{article_id}"))

    assert soup.select_one("select[name=source] option[selected]")["value"] == "reprint"
    assert soup.select_one("input[name=source_url]")["value"] == ORIGIN
