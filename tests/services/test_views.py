"""cms.services.views: views are buffered without a write, and flushed in one
batch that adds each article's views atomically."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, ArticleStatus, utcnow
from cms.services.views import buffer_view, count_view, flush_views, is_bot
from tests.factories import make_article

THREADS = 8
VIEWS_EACH = 25
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)


def stored_count(article_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(Article.view_count).where(Article.id == article_id))


def stored_row(article_id: int) -> tuple[int, object]:
    db.session.rollback()
    return db.session.execute(
        select(Article.view_count, Article.updated_at).where(Article.id == article_id)
    ).one()


def test_buffered_views_reach_the_database_only_when_flushed(ctx):
    article = make_article(view_count=41)
    other = make_article(view_count=7)
    _, updated_at = stored_row(article.id)

    for _ in range(3):
        buffer_view(article.public_id, BROWSER)
    assert stored_count(article.id) == 41  # no write per view

    assert flush_views() == 3
    assert stored_row(article.id) == (44, updated_at)  # a view is not an edit
    assert stored_count(other.id) == 7
    assert flush_views() == 0  # written once
    assert stored_count(article.id) == 44


def test_count_view_shows_the_stored_count_plus_the_buffered_views(ctx):
    article = make_article(view_count=41)

    assert count_view(article.public_id, BROWSER, stored=41) == 42
    assert count_view(article.public_id, BROWSER, stored=41) == 43
    flush_views()
    assert count_view(article.public_id, BROWSER, stored=43) == 44


def test_views_of_a_missing_article_change_nothing(ctx):
    article = make_article(view_count=3)
    buffer_view("0" * 16, BROWSER)
    flush_views()
    assert stored_count(article.id) == 3


@pytest.mark.parametrize("status", [ArticleStatus.DRAFT, ArticleStatus.PENDING,
                                    ArticleStatus.TRASH])  # fmt: skip
def test_views_of_a_hidden_article_change_nothing(ctx, status):
    article = make_article(view_count=3, status=status)
    buffer_view(article.public_id, BROWSER)
    flush_views()
    assert stored_count(article.id) == 3


def test_views_of_a_future_article_change_nothing(ctx):
    article = make_article(view_count=3, published_at=utcnow() + timedelta(hours=1))
    buffer_view(article.public_id, BROWSER)
    flush_views()
    assert stored_count(article.id) == 3


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
        "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0); 360Spider",
        "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
        "Mozilla/5.0 (Windows NT 6.1; Win64; x64) YisouSpider/5.0 Safari/537.36",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "facebookexternalhit/1.1",
    ],
)
def test_self_declared_bots_are_not_counted(ctx, agent):
    assert is_bot(agent)
    article = make_article(view_count=3)
    buffer_view(article.public_id, agent)
    assert flush_views() == 0
    assert stored_count(article.id) == 3


@pytest.mark.parametrize(
    "agent",
    [
        BROWSER,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.43 NetType/WIFI",
        "Mozilla/5.0 (Linux; Android 12; Cubot X30 Build/SP1A) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/112.0 Mobile Safari/537.36",
        # Clients that do not say they are robots are readers.
        "curl/8.5.0",
        "Python-urllib/3.11",
        "",
        None,
    ],
    ids=["chrome", "wechat", "cubot-phone", "curl", "urllib", "empty", "missing"],
)
def test_readers_are_counted(ctx, agent):
    assert not is_bot(agent)
    article = make_article()
    buffer_view(article.public_id, agent)
    assert flush_views() == 1
    assert stored_count(article.id) == 1


def test_a_failed_flush_keeps_the_views_for_the_next(ctx, monkeypatch):
    from cms.services import views

    article = make_article(view_count=10)
    for _ in range(4):
        buffer_view(article.public_id, BROWSER)

    def refuse(_counts):
        raise RuntimeError("disk full")

    monkeypatch.setattr(views, "_write", refuse)
    assert flush_views() == 0
    buffer_view(article.public_id, BROWSER)
    monkeypatch.undo()
    assert flush_views() == 5
    assert stored_count(article.id) == 15


def test_concurrent_views_are_all_counted(shared_app):
    """8 threads, each in its own app context, buffer 25 views at once while
    another thread flushes now and then: 200 in the end, none twice."""
    with shared_app.app_context():
        article = make_article()
        article_id, public_id = article.id, article.public_id
    barrier = threading.Barrier(THREADS + 1)
    errors: list[BaseException] = []
    done = threading.Event()

    def viewer():
        try:
            with shared_app.app_context():
                barrier.wait(timeout=30)
                for _ in range(VIEWS_EACH):
                    buffer_view(public_id, BROWSER)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def flusher():
        with shared_app.app_context():
            barrier.wait(timeout=30)
            while not done.is_set():
                flush_views()
            db.session.remove()

    threads = [threading.Thread(target=viewer) for _ in range(THREADS)]
    flushing = threading.Thread(target=flusher)
    flushing.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    flushing.join(timeout=60)
    assert not any(thread.is_alive() for thread in [*threads, flushing])
    assert errors == []
    with shared_app.app_context():
        flush_views()
        assert stored_count(article_id) == THREADS * VIEWS_EACH


def test_tick_writes_the_buffered_views(app, runner):
    with app.app_context():
        article = make_article(view_count=2)
        buffer_view(article.public_id, BROWSER)
        buffer_view(article.public_id, BROWSER)

    result = runner.invoke(args=["cms", "tick"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("tick: 2 view(s) written\n")
    with app.app_context():
        assert stored_count(article.id) == 4


@pytest.fixture
def redis_url():
    """A Redis of the test's own (redis-server on a free port)."""
    from tests.ratelimits.support import RedisServer

    server = RedisServer().start()
    yield server
    server.stop()


def _app_on(url: str, redis: str, prefix: str):
    from cms import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis, "REDIS_KEY_PREFIX": prefix}
    )


def test_two_servers_sharing_redis_never_write_a_view_twice(tmp_path, redis_url):
    """Two apps (two servers) on one database and one Redis: views buffered
    through both, flushed by both at once, are written exactly once."""
    url = f"sqlite:///{tmp_path / 'two.sqlite'}"
    first, second = (_app_on(url, redis_url.url, "two-servers") for _ in range(2))
    with first.app_context():
        db.create_all()
        article = make_article(view_count=1)
    for app in (first, second):
        with app.app_context():
            for _ in range(50):
                buffer_view(article.public_id, BROWSER)
    written: list[int] = []
    barrier = threading.Barrier(2)

    def flush(app):
        with app.app_context():
            barrier.wait(timeout=30)
            for _ in range(5):
                written.append(flush_views())
            db.session.remove()

    threads = [threading.Thread(target=flush, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(written) == 100
    assert redis_url.keys("two-servers*") == []  # nothing left behind
    with first.app_context():
        assert stored_count(article.id) == 101
        db.session.remove()
        db.engine.dispose()


def test_while_redis_is_down_views_are_buffered_in_the_worker(tmp_path, redis_url):
    url = f"sqlite:///{tmp_path / 'down.sqlite'}"
    app = _app_on(url, redis_url.url, "redis-down")
    with app.app_context():
        db.create_all()
        article = make_article(view_count=0)
        buffer_view(article.public_id, BROWSER)
        assert flush_views() == 1
        redis_url.stop()
        for _ in range(3):
            buffer_view(article.public_id, BROWSER)  # no error: kept here
        assert flush_views() == 3
        assert stored_count(article.id) == 4
        db.session.remove()
        db.engine.dispose()
