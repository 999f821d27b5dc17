"""cms.services.views.record_view: one atomic increment per view."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, ArticleStatus, utcnow
from cms.services.views import record_view
from tests.factories import make_article

THREADS = 8
VIEWS_EACH = 25


def stored_count(article_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(Article.view_count).where(Article.id == article_id))


def test_record_view_increments_and_returns_the_new_count(ctx):
    article = make_article(view_count=41)
    other = make_article(view_count=7)
    assert record_view(article.public_id) == 42
    assert record_view(article.public_id) == 43
    assert stored_count(article.id) == 43
    assert stored_count(other.id) == 7


def test_record_view_of_a_missing_article_changes_nothing(ctx):
    article = make_article(view_count=3)
    assert record_view("0" * 16) is None
    assert stored_count(article.id) == 3


@pytest.mark.parametrize("status", [ArticleStatus.DRAFT, ArticleStatus.PENDING,
                                    ArticleStatus.TRASH])  # fmt: skip
def test_record_view_of_a_hidden_article_changes_nothing(ctx, status):
    article = make_article(view_count=3, status=status)
    assert record_view(article.public_id) is None
    assert stored_count(article.id) == 3


def test_record_view_of_a_future_article_changes_nothing(ctx):
    article = make_article(view_count=3, published_at=utcnow() + timedelta(hours=1))
    assert record_view(article.public_id) is None
    assert stored_count(article.id) == 3


def test_concurrent_views_are_all_counted(shared_app):
    """8 threads, each in its own app context (own session, own connection),
    record 25 views at once: 200 in the end, each count handed out once."""
    with shared_app.app_context():
        article = make_article()
        article_id, public_id = article.id, article.public_id
    barrier = threading.Barrier(THREADS)
    returned: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def viewer():
        try:
            with shared_app.app_context():
                barrier.wait(timeout=30)
                for _ in range(VIEWS_EACH):
                    count = record_view(public_id)
                    with lock:
                        returned.append(count)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=viewer) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []  # in particular no "database is locked"
    total = THREADS * VIEWS_EACH
    assert sorted(returned) == list(range(1, total + 1))
    with shared_app.app_context():
        assert stored_count(article_id) == total
