"""The page cache's behaviour at the HTTP level: hits, validators, bypass,
views counted on hits, and the backends' own guarantees."""

from __future__ import annotations

import pytest

from cms.extensions import db
from cms.models import Article
from cms.pagecache.backends import Entry, MemoryBackend, Ticket
from cms.services.settings import set_setting
from cms.services.views import flush_views
from tests.factories import make_article
from tests.pagecache.conftest import cache_state


@pytest.fixture
def article(app):
    with app.app_context():
        item = make_article(title="缓存的文章")
        return item.id, item.public_id


def test_a_second_anonymous_get_is_a_hit_with_the_same_page(client, article):
    _, public_id = article
    first = client.get(f"/{public_id}.html")
    second = client.get(f"/{public_id}.html")
    assert (cache_state(first), cache_state(second)) == ("MISS", "HIT")
    assert first.status_code == second.status_code == 200
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert "Last-Modified" in second.headers
    assert "X-Page-Cache-Tags" not in first.headers  # internal, never sent
    assert "Set-Cookie" not in second.headers
    csp = second.headers["Content-Security-Policy"]
    assert csp == first.headers["Content-Security-Policy"] and "nonce" not in csp


def test_a_matching_etag_or_date_answers_304(client, article):
    _, public_id = article
    path = f"/{public_id}.html"
    client.get(path)
    etag = client.get(path).headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert cache_state(again) == "HIT"
    other = client.get(path, headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
    stamp = other.headers["Last-Modified"]
    assert client.get(path, headers={"If-Modified-Since": stamp}).status_code == 304


def test_head_is_answered_from_the_cache_without_a_body(client, article):
    _, public_id = article
    client.get(f"/{public_id}.html")
    head = client.head(f"/{public_id}.html")
    assert cache_state(head) == "HIT" and head.get_data() == b""
    assert int(head.headers["Content-Length"]) > 1000


def test_every_hit_of_an_article_counts_a_view(app, client, article):
    article_id, public_id = article
    for _ in range(4):
        client.get(f"/{public_id}.html")
    with app.app_context():
        assert flush_views() == 4  # the first view (a MISS) and three HITs
        assert db.session.get(Article, article_id).view_count == 4


def test_lists_feed_sitemap_and_pages_are_cached(client, article):
    for path in ("/", "/feed.xml", "/sitemap.xml", "/?page=1"):
        assert cache_state(client.get(path)) == "MISS", path
        assert cache_state(client.get(path)) == "HIT", path


def test_the_staff_never_get_nor_leave_a_cached_page(client, login, editor, article):
    _, public_id = article
    assert login(editor).status_code == 303
    for _ in range(2):
        page = client.get(f"/{public_id}.html")
        assert cache_state(page) == "MISS" and "管理后台" in page.get_data(as_text=True)
        assert "private" in page.headers["Cache-Control"]
    client.post("/auth/logout", data={})
    client.delete_cookie("session")
    reader = client.get(f"/{public_id}.html")
    assert "管理后台" not in reader.get_data(as_text=True)


@pytest.mark.parametrize("cookie", ["cms_held", "cms_commenter", "session"])
def test_the_cookies_that_make_a_page_personal_bypass_it(client, article, cookie):
    _, public_id = article
    client.get(f"/{public_id}.html")
    assert cache_state(client.get(f"/{public_id}.html")) == "HIT"
    client.set_cookie(cookie, "x")
    assert cache_state(client.get(f"/{public_id}.html")) == "MISS"


def test_other_cookies_neither_bypass_nor_split_it(client, article):
    _, public_id = article
    client.get(f"/{public_id}.html")
    client.set_cookie("_ga", "GA1.2.3")
    assert cache_state(client.get(f"/{public_id}.html")) == "HIT"


def test_posts_and_the_staff_area_are_never_cached(client, article):
    assert cache_state(client.get("/auth/login")) == ""
    assert cache_state(client.get("/auth/login")) == ""
    assert cache_state(client.post("/")) == ""


def test_a_change_the_cache_is_told_about_is_never_served_stale(app, client, article):
    client.get("/")
    with app.app_context():
        set_setting("site.name", "改过的站名")
    page = client.get("/")
    assert cache_state(page) == "MISS" and "改过的站名" in page.get_data(as_text=True)


def test_immutable_images_do_not_vary_on_cookies(app, client):
    with app.app_context():
        set_setting("tipping.wechat", "wxp://f2f0Test1234567890")
        item = make_article(title="有打赏")
    page = client.get(f"/{item.public_id}.html").get_data(as_text=True)
    src = page.split('data-pay="wechat"')[0].rsplit('src="', 1)[1].split('"')[0]
    image = client.get(src)
    assert image.status_code == 200
    assert "Cookie" not in image.headers.get("Vary", "")


# -- the backends ---------------------------------------------------------------


def _entry(body: bytes = b"page", tags=("t",), ttl: float = 60) -> Entry:
    return Entry("200 OK", [], body, '"e"', 0.0, 1e12 if ttl else 0, frozenset(tags))


def test_the_workers_of_one_server_share_every_drop(tmp_path):
    sync = tmp_path / "sync"
    one, two = MemoryBackend(1 << 20, sync), MemoryBackend(1 << 20, sync)
    for backend in (one, two):
        ticket = backend.lookup("/a", 0).ticket
        assert backend.store("/a", _entry(tags=("a:1",)), ticket)
        ticket = backend.lookup("/b", 0).ticket
        assert backend.store("/b", _entry(tags=("a:2",)), ticket)
    one.drop_tags({"a:1"})
    assert two.lookup("/a", 0).entry is None
    assert two.lookup("/b", 0).entry is not None
    two.drop_all()
    assert one.lookup("/b", 0).entry is None


def test_a_page_rendered_before_a_drop_is_not_kept(tmp_path):
    backend = MemoryBackend(1 << 20, tmp_path / "sync")
    ticket = backend.lookup("/a", 0).ticket  # the miss starts rendering
    backend.drop_tags({"a:1"})  # a change commits meanwhile
    assert not backend.store("/a", _entry(tags=("a:1",)), ticket)
    assert backend.lookup("/a", 0).entry is None


def test_memory_is_bounded_least_recently_used_first(tmp_path):
    backend = MemoryBackend(100, None)
    for key in ("/1", "/2", "/3"):
        backend.store(key, _entry(b"x" * 40), backend.lookup(key, 0).ticket)
    assert len(backend) == 2 and backend.lookup("/1", 0).entry is None


def test_a_scheduled_time_ends_every_entry(tmp_path):
    backend = MemoryBackend(1 << 20, tmp_path / "sync")
    backend.store("/a", _entry(), backend.lookup("/a", 0).ticket)
    backend.end_all_at(100.0)
    assert backend.lookup("/a", 99.0).entry is not None
    late = backend.lookup("/a", 100.0)
    assert late.entry is None and late.ended
    assert Ticket(late.ticket.generation, late.ticket.sequence) == late.ticket
