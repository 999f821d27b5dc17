"""Many readers commenting at once on a real gunicorn (4 workers): every
comment stored once, every answer a 303, and the article's count exact."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cms import create_app
from cms.extensions import db
from cms.models import Article, Comment, CommentStatus
from cms.services.settings import set_setting
from tests.conftest import TEST_DATABASE_URL, create_database, drop_database
from tests.factories import make_article, make_user
from tests.load import post_comments, stored_bodies
from tests.servers import Gunicorn, server_env

ROOT = Path(__file__).resolve().parents[2]
THREADS = 20
PER_THREAD = 10


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


@pytest.mark.server
def test_200_comments_from_20_threads(database, tmp_path):
    public_id, article_id = _prepare(database)
    env = server_env(database, tmp_path)
    with Gunicorn(4, env, tmp_path / "access.log") as server:
        started = time.monotonic()
        answers = post_comments(
            server.port, server.origin, public_id, THREADS, PER_THREAD, "并发评论"
        )
        elapsed = time.monotonic() - started
        log = server.errors()

    statuses = [answer.status for answer in answers]
    assert len(answers) == THREADS * PER_THREAD
    assert not [s for s in statuses if s == 0 or s >= 500], log[-3000:]
    assert set(statuses) == {303}, sorted(set(statuses))
    assert all(a.location.startswith(f"/{public_id}.html#comment-") for a in answers)
    assert elapsed < 30

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "REDIS_URL": None})
    with app.app_context():
        bodies = stored_bodies("并发评论")
        approved = db.session.scalar(
            select(func.count(Comment.id)).where(
                Comment.article_id == article_id,
                Comment.status == CommentStatus.APPROVED,
            )
        )
        count = db.session.scalar(
            select(Article.comment_count).where(Article.id == article_id)
        )
        db.session.remove()
        db.engine.dispose()
    assert sorted(bodies) == sorted(a.body for a in answers)
    assert set(bodies.values()) == {1}
    assert approved == THREADS * PER_THREAD
    assert count == approved
