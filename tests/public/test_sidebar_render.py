"""The sidebar's rendered HTML is kept per process (cms.templating.sidebar_html)
keyed by the digests' stored text: with the page cache off (each page
rendered), a change to what the sidebar shows is on the very next page, in
this process and in any other reading the same database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cms import create_app
from cms.extensions import db
from cms.models import Role, User
from cms.services import moderation
from cms.services.digests import sidebar
from tests.factories import make_article, make_comment, make_user


@pytest.fixture
def app_config(app_config, tmp_path):
    """SQLite in a file (an in-memory database is one app's own), so that a
    second app reads the same one; PostgreSQL is shared as it is."""
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app_config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'site.sqlite'}"
    return app_config


def _boss() -> User:
    return db.session.scalar(select(User).where(User.username == "boss"))


def _sidebar(body: str) -> str:
    start = body.index("<!--cms:sidebar-->")
    return body[start : body.index("<!--/cms:sidebar-->", start)]


def test_the_next_page_shows_a_change_to_the_sidebar(app, client):
    with app.app_context():
        make_user("boss", Role.ADMIN)
        article = make_article(title="第一篇文章")
        pending = make_comment(article, body="一条刚刚通过的评论", status="pending")
        path, pending_id = f"/{article.public_id}.html", pending.id
    first = _sidebar(client.get("/").get_data(as_text=True))
    assert "第一篇文章" in first and "一条刚刚通过的评论" not in first
    assert _sidebar(client.get(path).get_data(as_text=True)) == first  # kept, same
    with app.app_context():
        moderation.apply_action([pending_id], "approve", _boss())
        assert sidebar()["comments"][0]["text"] == "一条刚刚通过的评论"
    for page in ("/", path):
        assert "一条刚刚通过的评论" in _sidebar(client.get(page).get_data(as_text=True))


def test_another_process_sees_the_change_too(app, app_config, client):
    """A second app on the same database stands for another worker: its kept
    sidebar is not told about the change, and still shows it."""
    other = create_app(app_config).test_client()
    with app.app_context():
        make_user("boss", Role.ADMIN)
        article = make_article(title="第一篇文章")
        pending = make_comment(article, body="另一个进程也看得到", status="pending")
        pending_id = pending.id
    assert "另一个进程也看得到" not in _sidebar(other.get("/").get_data(as_text=True))
    with app.app_context():
        moderation.apply_action([pending_id], "approve", _boss())
    assert "另一个进程也看得到" in _sidebar(other.get("/").get_data(as_text=True))
