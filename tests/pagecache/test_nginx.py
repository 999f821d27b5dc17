"""Debian's nginx with deploy/nginx/cms.conf (paths replaced) in front of
gunicorn: a published article is served by nginx from the page store (no
request for it reaches gunicorn), an approved comment appears on the next
request, every view counts (the beacon of the pages nginx served), and the
app sees the real client address."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench._common import free_port, venv_bin, wait_for_port
from bench._nginx import NGINX, nginx_config
from cms import create_app
from cms.extensions import db
from cms.models import Article, Comment
from cms.services import moderation
from tests.factories import make_article, make_comment, make_user

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not NGINX.exists(), reason="nginx is not installed"),
]


class Stack:
    """gunicorn (2 workers) and nginx, each in its own process group."""

    def __init__(self, tmp: Path, env: dict[str, str], port: int, app_port: int):
        self.tmp, self.port, self.app_port = tmp, port, app_port
        self.url = f"http://127.0.0.1:{port}"
        self.app_log = tmp / "gunicorn-access.log"
        self.processes: list[subprocess.Popen] = []
        self.env = env

    def start(self, conf: Path) -> None:
        command = [
            str(venv_bin("gunicorn")), "--workers", "2",
            "--bind", f"127.0.0.1:{self.app_port}", "--no-control-socket",
            "--access-logfile", str(self.app_log), "wsgi:app",
        ]  # fmt: skip
        with open(self.tmp / "gunicorn.out", "wb") as out:
            self.processes.append(
                subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
            )  # fmt: skip
        wait_for_port(self.app_port, "gunicorn")
        self._wait_healthy(f"http://127.0.0.1:{self.app_port}/healthz")
        nginx = [str(NGINX), "-p", str(self.tmp), "-e", str(self.tmp / "error.log"),
                 "-c", str(conf)]  # fmt: skip
        with open(self.tmp / "nginx.out", "wb") as out:
            self.processes.append(
                subprocess.Popen(nginx, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
            )  # fmt: skip
        wait_for_port(self.port, "nginx")

    @staticmethod
    def _wait_healthy(url: str, timeout: float = 60.0) -> None:
        """The workers answer (booting them takes seconds on a busy machine)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

    def get(self, path: str, headers: dict[str, str] | None = None):
        request = urllib.request.Request(self.url + path, headers=headers or {})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()

    def post(self, path: str, data: dict[str, str] | None = None, headers=None):
        body = urllib.parse.urlencode(data or {}).encode()
        request = urllib.request.Request(
            self.url + path, data=body, headers=headers or {}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    def app_requests(self, path: str, expected: int) -> int:
        """How many requests for `path` reached gunicorn (its access log line
        follows the answer: wait a little for `expected`, then once more so a
        line too many shows)."""
        deadline = time.monotonic() + 3
        while True:
            seen = self.app_log.read_text().count(f"GET {path} ")
            if seen >= expected or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        return self.app_log.read_text().count(f"GET {path} ")


@pytest.fixture
def stack(tmp_path):
    port, app_port = free_port(), free_port()
    store, media, sync = tmp_path / "store", tmp_path / "media", tmp_path / "sync"
    media.mkdir()
    database = f"sqlite:///{tmp_path / 'cms.sqlite'}"
    secret = secrets.token_urlsafe(32)
    settings = {
        "SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": secret,
        "PAGE_CACHE": True, "PAGE_STORE": str(store),
        "PAGE_CACHE_SYNC_FILE": str(sync), "SITE_URL": f"http://127.0.0.1:{port}",
    }  # fmt: skip
    app = create_app(settings)  # this process changes content, as an editor would
    with app.app_context():
        db.create_all()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "CMS_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=database, CMS_CONFIG="production", SECRET_KEY=secret,
        SITE_URL=f"http://127.0.0.1:{port}", PAGE_STORE=str(store),
        PAGE_CACHE_SYNC_FILE=str(sync), TRUSTED_PROXIES="1",
        MEDIA_URL=f"file://{media}", PYTHONDONTWRITEBYTECODE="1",
        VIEW_FLUSH_SECONDS="0.2",  # each worker writes its buffered views soon
        LOG_FORMAT="text",  # access lines as `app_requests` counts them
    )  # fmt: skip
    stack = Stack(tmp_path, env, port, app_port)
    conf = nginx_config(tmp_path, port, app_port, store, media)
    try:
        stack.start(conf)
        yield app, stack
    finally:
        stack.stop()
        with app.app_context():
            db.engine.dispose()


def _read_like_a_browser(stack: Stack, path: str) -> tuple[dict[str, str], str]:
    """GET the page; a page nginx served runs its beacon, as a browser would."""
    _, headers, body = stack.get(path)
    beacon = re.search(
        r'<script src="/static/js/view-beacon\.js" data-view="(\w+)"', body
    )
    if beacon:
        assert stack.post(f"/_view/{beacon.group(1)}") == 204
    return headers, body


def _stored_views(app, article_id: int, expected: int, timeout: float = 15.0) -> int:
    """The article's stored count once it reaches `expected` (the workers
    write their buffered views every 0.2 s), or what it is at `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            count = db.session.get(Article, article_id).view_count
            db.session.remove()
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


def test_nginx_serves_the_store_and_the_app_stays_exact(stack):
    app, stack = stack
    with app.app_context():
        owner = make_user("writer")
        item = make_article(title="由 nginx 送出的文章", owner=owner)
        article_id, path = item.id, f"/{item.public_id}.html"
        held = make_comment(item, body="审核后出现的评论", status="pending").id

    first, _ = _read_like_a_browser(stack, path)  # the app renders and stores
    assert first["X-Cache"] == "MISS" and stack.app_requests(path, 1) == 1
    for _ in range(5):
        headers, body = _read_like_a_browser(stack, path)
        assert headers["X-Cache"] == "HIT" and "由 nginx 送出的文章" in body
        assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert stack.app_requests(path, 1) == 1  # nginx answered those five itself
    status, _, home = stack.get("/")
    assert status == 200 and "由 nginx 送出的文章" in home
    _, app_feed, _ = stack.get("/feed.xml")
    _, feed, body = stack.get("/feed.xml")
    assert (app_feed["X-Cache"], feed["X-Cache"]) == ("MISS", "HIT")
    types = {
        t.replace(" ", "") for t in (feed["Content-Type"], app_feed["Content-Type"])
    }
    assert types == {"application/rss+xml;charset=utf-8"}, types
    assert "由 nginx 送出的文章" in body and stack.app_requests("/feed.xml", 1) == 1

    with app.app_context():
        moderation.apply_action([held], "approve", None)
    headers, body = _read_like_a_browser(stack, path)
    assert "审核后出现的评论" in body and headers["X-Cache"] == "MISS"
    assert stack.app_requests(path, 2) == 2
    _read_like_a_browser(stack, path)  # from nginx again

    assert _stored_views(app, article_id, 8) == 8  # 1+5+1+1

    # The address the app records is the one nginx saw, not a forged header.
    _, _, body = stack.get(path)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', body)
    assert token is not None
    form = {"author": "读者", "email": "r@example.cn", "body": "经过 nginx 的评论",
            "csrf_token": token.group(1)}  # fmt: skip
    answer = stack.post(f"/comments/{path[1:-5]}", form, {
        "Origin": stack.url, "X-Forwarded-For": "198.51.100.23"})  # fmt: skip
    assert answer in (303, 200)
    with app.app_context():
        comment = db.session.scalar(
            db.select(Comment).where(Comment.body == "经过 nginx 的评论")
        )
        assert comment is not None and comment.ip == "127.0.0.1"


@pytest.mark.browser
def test_a_browser_counts_the_views_nginx_serves(stack):
    """Debian's Chromium reads the page nginx serves: the beacon runs under
    the page's policy and each view counts."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed")
    app, stack = stack
    with app.app_context():
        item = make_article(title="浏览器读的文章", owner=make_user("writer"))
        article_id, path = item.id, f"/{item.public_id}.html"
    stack.get(path)  # rendered by the app and written to the store: 1 view
    problems: list[str] = []

    def read_three_times() -> None:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(chromium), headless=True,
                args=["--no-sandbox", "--disable-gpu",
                      "--disable-background-networking"],
            )  # fmt: skip
            page = browser.new_page()
            page.on(
                "console",
                lambda m: problems.append(m.text) if m.type == "error" else None,
            )
            for _ in range(3):
                with page.expect_request(lambda r: "/_view/" in r.url) as beacon:
                    answer = page.goto(stack.url + path)
                assert answer.headers["x-cache"] == "HIT"  # nginx, from the store
                assert beacon.value.method == "POST"
            browser.close()

    # A thread of its own: the sync API refuses to run where another test of
    # this worker left an asyncio loop (the browser tests' own Playwright).
    with ThreadPoolExecutor(1) as pool:
        pool.submit(read_three_times).result()
    assert problems == []  # no policy violation, no failed beacon
    deadline = time.monotonic() + 10
    while True:
        with app.app_context():
            views = db.session.get(Article, article_id).view_count
        if views == 4 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert views == 4
    assert stack.app_requests(path, 1) == 1
