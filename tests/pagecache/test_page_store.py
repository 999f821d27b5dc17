"""PAGE_STORE: anonymous pages also written as files for nginx, removed on
the same events, and the view beacon of the pages nginx serves."""

from __future__ import annotations

import os
import time

import pytest

from cms.extensions import db
from cms.models import Article
from cms.pagecache.store import file_for
from cms.services.related import worker
from cms.services.settings import set_setting
from cms.services.views import flush_views
from tests.factories import make_article, make_comment


@pytest.fixture
def app_config(app_config, tmp_path):
    app_config["PAGE_STORE"] = str(tmp_path / "store")
    return app_config


@pytest.fixture
def www(app):
    return app.extensions["page_cache"].store.www


@pytest.fixture
def article(app):
    with app.app_context():
        item = make_article(title="存成文件的文章")
        return item.id, item.public_id


def test_each_anonymous_page_is_written_as_a_file(client, www, article):
    _, public_id = article
    body = client.get(f"/{public_id}.html").get_data()
    client.get("/")
    client.get("/feed.xml")
    client.get("/?page=2")
    page = (www / f"{public_id}.html").read_bytes()
    # The same page, plus the beacon that counts views nginx serves.
    beacon = f'<script src="/static/js/view-beacon.js" data-view="{public_id}" defer>'
    line = (beacon + "</script>\n").encode()
    assert line in page and beacon.encode() not in body
    assert page.replace(line, b"") == body
    assert (www / "index.html").read_bytes() == client.get("/").get_data()
    assert (www / "feed.xml").exists()
    assert sorted(p.name for p in www.iterdir()) == sorted(
        ["index.html", "feed.xml", f"{public_id}.html"]
    )  # no file for a query string, no temporary left


def test_the_files_go_with_the_same_events(app, client, www, article):
    article_id, public_id = article
    client.get(f"/{public_id}.html")
    client.get("/feed.xml")
    with app.app_context():
        make_comment(db.session.get(Article, article_id), body="新的评论")
    assert not (www / f"{public_id}.html").exists()  # shows the comments
    assert (www / "feed.xml").exists()  # does not
    with app.app_context():
        set_setting("site.name", "新站名")
    assert list(www.iterdir()) == []


def test_pages_of_the_staff_and_of_held_comments_are_never_written(
    client, login, editor, www, article
):
    _, public_id = article
    client.set_cookie("cms_held", "x")
    client.get(f"/{public_id}.html")
    client.delete_cookie("cms_held")
    login(editor)
    client.get(f"/{public_id}.html")
    assert list(www.iterdir()) == []


def test_the_beacon_counts_the_view_and_retires_an_old_count(app, client, www, article):
    article_id, public_id = article
    client.get(f"/{public_id}.html")  # the miss counts one
    answer = client.post(f"/_view/{public_id}")
    assert answer.status_code == 204
    assert (www / f"{public_id}.html").exists()  # its count is recent
    old = time.time() - app.config["PAGE_CACHE_COUNT_SECONDS"] - 1
    os.utime(www / f"{public_id}.html", (old, old))
    client.post(f"/_view/{public_id}")
    assert not (www / f"{public_id}.html").exists()  # nginx asks the app next
    assert client.post("/_view/not-an-id").status_code == 404
    with app.app_context():
        flush_views()
        assert db.session.get(Article, article_id).view_count == 3


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/", "index.html"),
        ("/a.html", "a.html"),
        ("/category/x/", "category/x/index.html"),
        ("/../etc/passwd", None),
        ("/.hidden", None),
        ("relative", None),
        ("/a\\b", None),
    ],
)
def test_store_paths_stay_inside_the_store(path, name):
    assert file_for(path) == name


def test_tick_removes_the_files_past_their_lifetime(app, client, runner, www, article):
    _, public_id = article
    with app.app_context():  # the new article's related list, which tick would
        worker.process_queue()  # compute (and drop its page for) otherwise
    client.get(f"/{public_id}.html")
    client.get("/")
    count_age = app.config["PAGE_CACHE_COUNT_SECONDS"]
    old = time.time() - count_age - 1
    os.utime(www / f"{public_id}.html", (old, old))
    os.utime(www / "index.html", (old, old))  # a list lives longer
    result = runner.invoke(args=["cms", "tick"])
    assert result.exit_code == 0, result.output
    assert "1 page-store file(s)" in result.output
    assert not (www / f"{public_id}.html").exists()
    assert (www / "index.html").exists()


def test_a_file_written_while_a_change_commits_is_removed(
    app, client, www, article, monkeypatch
):
    _, public_id = article
    store = app.extensions["page_cache"].store
    backend = app.extensions["page_cache"].backend
    real_write = store.write

    def write_then_a_change_commits(*args):
        written = real_write(*args)
        backend.drop_tags({"something-else"})  # a drop whose files ran before
        return written

    monkeypatch.setattr(store, "write", write_then_a_change_commits)
    client.get(f"/{public_id}.html")
    assert not (www / f"{public_id}.html").exists()
    monkeypatch.setattr(store, "write", real_write)
    client.get("/")
    assert (www / "index.html").exists()
