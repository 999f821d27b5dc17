"""Many readers commenting at once on a real gunicorn (4 workers): every
comment stored once, every answer a 303, and the article's count exact."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from cms import create_app
from cms.extensions import db
from cms.models import Article, Comment, CommentStatus
from cms.services.settings import set_setting
from tests.conftest import TEST_DATABASE_URL, create_database, drop_database
from tests.factories import make_article, make_user

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = next(
    (
        p
        for p in (
            ROOT / ".venv" / "bin" / "gunicorn",
            Path(sys.executable).parent / "gunicorn",
        )
        if p.exists()
    ),
    None,
)
THREADS = 20
PER_THREAD = 10
SECRET = "concurrency-test-secret-key-0123456789"
_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database(tmp_path):
    """A migrated database of its own: a SQLite file, or a fresh PostgreSQL
    database when TEST_DATABASE_URL is set (dropped afterwards)."""
    if TEST_DATABASE_URL:
        url = create_database(TEST_DATABASE_URL, "cms_comments_conc")
    else:
        url = f"sqlite:///{tmp_path / 'concurrency.sqlite'}"
    try:
        yield url
    finally:
        if TEST_DATABASE_URL:
            drop_database(TEST_DATABASE_URL, url)


def _prepare(url: str) -> tuple[str, int]:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        article = make_article(owner=make_user(password=None))
        set_setting("comments.flood_seconds", "0")
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.hold_first", "false")
        db.session.remove()
        db.engine.dispose()
    return article.public_id, article.id


def _wait_healthy(process: subprocess.Popen, port: int, log: Path) -> None:
    # Four workers each import the app: slow on a busy machine.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn never answered: {log.read_text(errors='replace')[-2000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _reader(port: int, origin: str, public_id: str, number: int, answers: list) -> None:
    """One reader: fetch the form once, then post PER_THREAD comments."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/{public_id}.html")
        page = conn.getresponse()
        html = page.read().decode()
        assert page.status == 200, page.status
        token = _TOKEN.search(html).group(1)
        for n in range(PER_THREAD):
            form = {"csrf_token": token, "parent_id": "", "author": f"读者{number}",
                    "email": f"reader{number}@example.cn", "url": "",
                    "body": f"并发评论 {number}-{n}", "nickname": ""}  # fmt: skip
            conn.request(
                "POST", f"/comments/{public_id}", body=urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Origin": origin},
            )  # fmt: skip
            answer = conn.getresponse()
            answer.read()
            answers.append((answer.status, answer.getheader("Location")))
        conn.close()
    except Exception as error:  # noqa: BLE001 (reported by the test)
        answers.append((repr(error), None))


@pytest.mark.server
@pytest.mark.skipif(GUNICORN is None, reason="gunicorn is not installed in .venv")
def test_200_comments_from_20_threads(database, tmp_path):
    public_id, article_id = _prepare(database)
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS"))}
    env |= {"DATABASE_URL": database, "SECRET_KEY": SECRET, "SITE_URL": origin,
            "CMS_CONFIG": "production"}  # fmt: skip
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "--workers", "4", "--bind", f"127.0.0.1:{port}",
             "--no-control-socket", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        _wait_healthy(process, port, log)
        answers: list = []
        threads = [
            threading.Thread(target=_reader, args=(port, origin, public_id, i, answers))
            for i in range(THREADS)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        _stop(process)

    statuses = [status for status, _ in answers]
    assert len(answers) == THREADS * PER_THREAD, answers[:5]
    assert not [s for s in statuses if not isinstance(s, int) or s >= 500], (
        log.read_text(errors="replace")[-3000:]
    )
    assert set(statuses) == {303}, sorted(set(map(str, statuses)))
    assert all(
        location.startswith(f"/{public_id}.html#comment-") for _, location in answers
    )
    assert elapsed < 30

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "REDIS_URL": None})
    with app.app_context():
        stored = db.session.scalar(
            select(func.count(Comment.id)).where(Comment.article_id == article_id)
        )
        approved = db.session.scalar(
            select(func.count(Comment.id)).where(
                Comment.article_id == article_id,
                Comment.status == CommentStatus.APPROVED,
            )
        )
        bodies = db.session.scalar(select(func.count(func.distinct(Comment.body))))
        count = db.session.scalar(
            select(Article.comment_count).where(Article.id == article_id)
        )
        db.session.remove()
        db.engine.dispose()
    assert stored == THREADS * PER_THREAD
    assert bodies == THREADS * PER_THREAD
    assert approved == THREADS * PER_THREAD
    assert count == approved
