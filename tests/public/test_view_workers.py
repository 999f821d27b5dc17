"""1,000 concurrent views through a real gunicorn with 4 workers add exactly
1,000, on SQLite and (TEST_DATABASE_URL) PostgreSQL, with the views buffered
in each worker or in Redis (a redis-server of the test's own, or
TEST_REDIS_URL).

Workers are recycled during the run (--max-requests), so buffered views must
survive worker exits (gunicorn.conf.py's worker_exit hook) as well as the
graceful stop at the end; with a flush interval longer than the test, the
exits are the only writers. With a short interval the timer thread writes
them while the server still runs."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from cms import create_app
from cms.extensions import db
from cms.models import Article
from tests.conftest import (
    TEST_DATABASE_URL,
    TEST_REDIS_URL,
    create_database,
    drop_database,
)
from tests.factories import make_article, make_user
from tests.ratelimits.support import REDIS_SERVER, RedisServer, free_port

pytestmark = [pytest.mark.server]

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
VIEWS = 1000
CLIENTS = 32
SECRET = "view-workers-test-secret-0123456789abcdef"
SPIDER = "Mozilla/5.0 (compatible; Baiduspider/2.0)"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set"
            ),
        ),
    ]
)
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'views.sqlite'}"
        return
    url = create_database(TEST_DATABASE_URL, "cms_views")
    try:
        yield url
    finally:
        drop_database(TEST_DATABASE_URL, url)


@pytest.fixture(
    params=[
        "in-process",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(
                not (TEST_REDIS_URL or REDIS_SERVER),
                reason="neither TEST_REDIS_URL nor redis-server",
            ),
        ),
    ]
)
def redis_url(request):
    if request.param == "in-process":
        yield None
    elif TEST_REDIS_URL:
        yield TEST_REDIS_URL
    else:
        server = RedisServer().start()
        try:
            yield server.url
        finally:
            server.stop()


def _prepare(url: str) -> tuple[int, str]:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        article = make_article(owner=make_user(password=None), view_count=7)
        db.session.remove()
        db.engine.dispose()
    return article.id, article.public_id


def _stored(url: str, article_id: int) -> int:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        count = db.session.scalar(
            select(Article.view_count).where(Article.id == article_id)
        )
        db.session.remove()
        db.engine.dispose()
    return count


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "--workers", "4", "--bind", f"127.0.0.1:{port}",
             "--no-control-socket", "--max-requests", "150",
             "--max-requests-jitter", "50", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn never answered: {log.read_text(errors='replace')[-2000:]}")


def _graceful_stop(process: subprocess.Popen) -> int:
    """SIGTERM to the arbiter (a graceful stop); its exit status."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
        raise


def _view(port: int, path: str, agent: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"User-Agent": agent})
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


@pytest.mark.parametrize("flush", ["at-exit", "timer"])
def test_1000_concurrent_views_add_exactly_1000(database, redis_url, flush, tmp_path):
    article_id, public_id = _prepare(database)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS"))}
    env |= {
        "DATABASE_URL": database,
        "SECRET_KEY": SECRET,
        "SITE_URL": f"http://127.0.0.1:{port}",
        "CMS_CONFIG": "production",
        "VIEW_FLUSH_SECONDS": "3600" if flush == "at-exit" else "1",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["FLASK_REDIS_KEY_PREFIX"] = f"cms-views-test-{os.getpid()}-{port}"
    log = tmp_path / "gunicorn.log"
    process = _start(env, port, log)
    try:
        path = f"/{public_id}.html"
        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = list(
                pool.map(lambda _: _view(port, path, BROWSER), range(VIEWS))
            )
            # Crawlers read the page too, and are not counted.
            bots = list(pool.map(lambda _: _view(port, path, SPIDER), range(20)))
        assert statuses == [200] * VIEWS
        assert bots == [200] * 20
        if flush == "timer":
            deadline = time.monotonic() + 30
            while _stored(database, article_id) != 7 + VIEWS:
                assert time.monotonic() < deadline, "the timer never wrote the views"
                time.sleep(0.5)
    finally:
        status = _graceful_stop(process)

    assert status == 0, log.read_text(errors="replace")[-3000:]
    assert _stored(database, article_id) == 7 + VIEWS
