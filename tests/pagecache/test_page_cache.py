"""The page cache's behaviour at the HTTP level: hits, validators, bypass,
views counted on hits, and the backends' own guarantees."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from cms.extensions import db
from cms.models import Article
from cms.pagecache.backends import Entry, Ticket
from cms.pagecache.memory import MemoryBackend
from cms.pagecache.redis_backend import RedisBackend
from cms.services.form_tokens import read_comment_token
from cms.services.settings import set_setting
from cms.services.views import flush_views
from tests.conftest import TEST_REDIS_URL
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

    # The same page, with the view count (1, then 2) and the comment form's
    # token of the moment filled in.
    def without_token(answer) -> bytes:
        return re.sub(rb'(name="csrf_token" value=")[^"]+', rb"\1", answer.get_data())

    assert without_token(second) == without_token(first).replace(
        b'data-views="1"', b'data-views="2"'
    ).replace("阅读 1<".encode(), "阅读 2<".encode())
    assert first.headers["ETag"].endswith('-1"')
    assert second.headers["ETag"] == first.headers["ETag"][:-3] + '-2"'
    assert "Last-Modified" in second.headers
    assert "X-Page-Cache-Tags" not in first.headers  # internal, never sent
    assert "Set-Cookie" not in second.headers
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    csp = second.headers["Content-Security-Policy"]
    assert csp == first.headers["Content-Security-Policy"] and "nonce" not in csp


def test_a_matching_etag_or_date_answers_304(client, article):
    """An article's ETag names its count: a copy is current while no view
    moved the count on (a robot's view counts nothing), and a reader's own
    view makes it stale. A page without a count answers a date too."""
    _, public_id = article
    path = f"/{public_id}.html"
    robot = {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"}
    client.get(path)
    etag = client.get(path, headers=robot).headers["ETag"]
    again = client.get(path, headers=robot | {"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert cache_state(again) == "HIT"
    reader = client.get(path, headers={"If-None-Match": etag})
    assert reader.status_code == 200 and reader.headers["ETag"] != etag
    stamp = reader.headers["Last-Modified"]
    assert client.get(path, headers={"If-Modified-Since": stamp}).status_code == 200
    client.get("/")
    stamp = client.get("/").headers["Last-Modified"]
    assert client.get("/", headers={"If-Modified-Since": stamp}).status_code == 304


def test_a_hit_shows_the_count_of_the_moment(app, client, article, monkeypatch):
    """A cached article page lives on, its count does not: each hit fills in
    the stored count (read again once older than STORED_READ_SECONDS) plus
    the views buffered since."""
    from cms.services import view_buffers

    article_id, public_id = article
    path = f"/{public_id}.html"

    def shown() -> str:
        answer = client.get(path)
        return answer.headers["X-Cache"] + " " + views_of(answer)

    assert shown() == "MISS 1"
    assert shown() == "HIT 2"
    with app.app_context():
        flush_views()
        db.session.get(Article, article_id).view_count = 500  # other servers' views
        db.session.commit()
    monkeypatch.setattr(view_buffers, "STORED_READ_SECONDS", 0.0)
    assert shown() == "HIT 501"


def test_a_hit_carries_a_form_token_issued_at_the_hit(app, client, article):
    """The too-fast check measures from when this reader got the page, hit
    or miss: each hit's comment form has a token of its own, issued then."""
    _, public_id = article
    path = f"/{public_id}.html"

    def token_time(answer):
        html = answer.get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        with app.test_request_context():
            return token, read_comment_token(token, public_id)

    first_token, first_at = token_time(client.get(path))
    time.sleep(1.1)  # the token's time has whole seconds
    hit = client.get(path)
    assert cache_state(hit) == "HIT"
    token, issued_at = token_time(hit)
    assert token != first_token and issued_at > first_at


def views_of(answer) -> str:
    """The count an article page shows, in both of its places (equal)."""
    html = answer.get_data(as_text=True)
    attribute = re.search(r'data-views="(\d+)"', html).group(1)
    text = re.search(r'<span class="views">阅读 (\d+)</span>', html).group(1)
    assert attribute == text
    return attribute


def test_a_page_rendered_again_the_same_still_answers_304(app, client):
    client.get("/feed.xml")
    etag = client.get("/feed.xml").headers["ETag"]
    app.extensions["page_cache"].drop_all()
    again = client.get("/feed.xml", headers={"If-None-Match": etag})
    assert (again.status_code, cache_state(again)) == (304, "MISS")


def test_head_is_answered_from_the_cache_without_a_body(client, article):
    _, public_id = article
    first = client.head(f"/{public_id}.html")  # a miss: Flask answers HEAD
    assert cache_state(first) == "MISS" and first.get_data() == b""
    assert "X-Page-Cache-Tags" not in first.headers
    length = client.get(f"/{public_id}.html").headers["Content-Length"]
    assert int(first.headers["Content-Length"]) > 1000
    head = client.head(f"/{public_id}.html")
    assert cache_state(head) == "HIT" and head.get_data() == b""
    assert head.headers["Content-Length"] == length


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


@pytest.fixture
def redis_backends():
    """Two servers' Redis backends on one Redis (a prefix of their own)."""
    if not TEST_REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set")
    prefix = f"cms-test-pc-{uuid.uuid4().hex[:10]}:"
    one, two = (
        RedisBackend(TEST_REDIS_URL, prefix),
        RedisBackend(TEST_REDIS_URL, prefix),
    )
    yield one, two
    keys = list(one.client.scan_iter(match=f"{prefix}*"))
    if keys:
        one.client.delete(*keys)


def test_servers_on_one_redis_share_entries_and_drops(redis_backends):
    one, two = redis_backends
    now = time.time()
    assert one.store("/a", _entry(tags=("a:1",)), one.lookup("/a", now).ticket)
    assert one.store("/b", _entry(tags=("a:2",)), one.lookup("/b", now).ticket)
    assert two.lookup("/a", now).entry.body == b"page"
    two.drop_tags({"a:1"})
    assert one.lookup("/a", now).entry is None
    assert one.lookup("/b", now).entry is not None
    ticket = one.lookup("/c", now).ticket
    two.drop_tags({"x"})  # a change commits while /c renders
    assert not one.store("/c", _entry(), ticket)
    two.drop_all()
    assert one.lookup("/b", now).entry is None
    two.end_all_at(now + 5)
    assert one.store("/d", _entry(), one.lookup("/d", now).ticket)
    assert one.lookup("/d", now + 6).ended and two.lookup("/d", now + 6).entry is None


def test_the_app_uses_redis_when_redis_url_is_set(app):
    backend = app.extensions["page_cache"].backend
    expected = RedisBackend if TEST_REDIS_URL else MemoryBackend
    assert isinstance(backend, expected)


def test_a_hit_runs_no_query_and_no_flask(app, client, article, monkeypatch):
    from sqlalchemy import event

    client.get("/")
    statements: list[str] = []

    def seen(conn, cursor, statement, *rest):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    called: list[str] = []
    monkeypatch.setattr(app, "full_dispatch_request", lambda: called.append("flask"))
    try:
        assert cache_state(client.get("/")) == "HIT"
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == [] and called == []
