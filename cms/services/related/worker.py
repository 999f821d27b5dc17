"""Following the events: changes queue articles in their own transaction,
and the queue is drained after commit.

Guarantees:
- The work is queued (RelatedQueue) in the transaction of the change and done
  after commit: by a thread of the worker (RELATED_MODE "thread"), at once in
  the after-commit handler ("inline", tests), or by `flask cms tick`.
- An article leaving `published` (or deleted) leaves every list in the
  transaction that unpublishes it.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app
from sqlalchemy import CursorResult, delete, func, select

from cms.database import end_read, write_transaction
from cms.events import ArticleChanged, ContentImported
from cms.extensions import db
from cms.models import Article, ArticleStatus, RelatedQueue
from cms.services.related.index import count_terms, weigh
from cms.services.related.lists import enqueue, leave_lists, refresh
from cms.services.related.terms import load_site_words

QUEUE_BATCH = 200

RELATED_FIELDS = {"created", "deleted", "status", "title", "body", "tags",
                  "category", "published_at", "excerpt"}  # fmt: skip


def queue_imported(event: ContentImported) -> None:
    """In-transaction handler of ContentImported: queue the batch's articles
    (their lists, and their places in others', are computed after commit)."""
    enqueue(event.article_ids, spread=True)


def queue_in_transaction(event: ArticleChanged) -> None:
    """In-transaction handler of ArticleChanged: queue the article (its
    content changed, or it entered or left the published set). An article
    leaving `published` leaves every related list now, in this transaction."""
    relevant = RELATED_FIELDS & set(event.fields) or (
        event.before_status != event.after_status
    )
    if not relevant:
        return
    if "deleted" in event.fields:
        leave_lists(event.article_id)
        return
    if (
        event.after_status != ArticleStatus.PUBLISHED.value
        and event.before_status == ArticleStatus.PUBLISHED.value
    ):
        left = leave_lists(event.article_id)
        enqueue(left, spread=False)
    enqueue([event.article_id], spread=True)


def work_after_commit(_event: ArticleChanged) -> None:
    """After-commit handler of ArticleChanged: see `wake`."""
    wake()


def wake() -> None:
    """Do the queued work now (RELATED_MODE "inline"), wake the worker's
    thread ("thread", the default), or leave it to `flask cms tick` ("tick")."""
    mode = current_app.config.get("RELATED_MODE", "thread")
    if mode == "inline":
        process_queue()
    elif mode == "thread":
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        worker = app.extensions.setdefault("cms_related_worker", Worker(app))
        worker.poke()


def process_queue(limit: int | None = None) -> int:
    """Compute the queued lists, oldest first, in batches: first every
    changed article of the batch is segmented (so that all their document
    frequencies are in before any weights are taken: a bulk import weighs
    its first article like its last), then each list is computed in its own
    transaction, which takes it off the queue. Returns how many were done."""
    done = 0
    while limit is None or done < limit:
        size = QUEUE_BATCH if limit is None else min(QUEUE_BATCH, limit - done)
        rows = db.session.execute(
            select(RelatedQueue.article_id, RelatedQueue.spread)
            .order_by(RelatedQueue.queued_at, RelatedQueue.article_id)
            .limit(size)
        ).all()
        if not rows:
            break
        counted = set()
        with write_transaction():
            load_site_words()
            for article_id, spread in rows:
                article = db.session.get(Article, article_id)
                if spread and article and article.status == ArticleStatus.PUBLISHED:
                    count_terms(article)
                    counted.add(article_id)
            # Plain key terms for the whole batch first, so that each
            # article's expansion finds its neighbours among all of them.
            if len(counted) > 1:
                for article_id in counted:
                    weigh(article_id, expand=False)
        for article_id, spread in rows:
            with write_transaction():
                result = db.session.execute(
                    delete(RelatedQueue).where(RelatedQueue.article_id == article_id)
                )
                taken = result.rowcount if isinstance(result, CursorResult) else 1
                if taken:
                    refresh(article_id, spread=spread, counted=article_id in counted)
            done += 1
    end_read()
    return done


class Worker:
    """One background thread per process that drains the queue after a
    commit woke it, then ends (the next change starts it again)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def poke(self) -> None:
        with self.lock:
            self.wake.set()
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._run, name="cms-related", daemon=True
                )
                self.thread.start()

    def _run(self) -> None:
        while True:
            with self.lock:
                if not self.wake.is_set():
                    self.thread = None
                    return
                self.wake.clear()
            with self.app.app_context():
                try:
                    process_queue()
                except Exception:
                    current_app.logger.exception("related lists failed")
                finally:
                    db.session.remove()


def pending_count() -> int:
    """How many lists wait in the queue."""
    return db.session.scalar(select(func.count()).select_from(RelatedQueue)) or 0
