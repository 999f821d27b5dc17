"""Periodic jobs, run by `flask cms tick` (every minute under `make run`).

Each job has an interval; a run claims it with one conditional UPDATE, so when
several servers tick at once exactly one of them runs a due job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from cms.database import write_transaction
from cms.extensions import db
from cms.logs import log_event
from cms.models import JobRun, utcnow
from cms.ratelimit.counters import delete_expired
from cms.services import backup, submissions
from cms.services.action_links import forget_spent_links
from cms.services.audit_privacy import purge_snapshots
from cms.services.comments import purge_personal_data
from cms.services.digests import refresh as refresh_digests
from cms.services.notify import send_due_digest
from cms.services.outbox import deliver_due
from cms.services.related.worker import process_queue
from cms.services.search import index_missing
from cms.services.settings import current_settings
from cms.services.stats import snapshot_daily_views


@dataclass(frozen=True)
class Job:
    """A named piece of upkeep and how often it is due."""

    name: str
    every: timedelta
    run: Callable[[], None]


def optimize_database() -> None:
    """Let SQLite refresh its query-planner statistics (a no-op elsewhere:
    PostgreSQL's autovacuum does this)."""
    if db.engine.dialect.name == "sqlite":
        with write_transaction():
            db.session.execute(text("PRAGMA optimize"))


def purge_commenter_data() -> None:
    """Forget commenters' IP address and browser once their comment is older
    than `comments.purge_personal_days` (PIPL: keep personal data no longer
    than needed), in the comments and in the audit log's snapshots of deleted
    ones, whose e-mail, IP and browser all go once undo can no longer use
    them (cms.services.audit_privacy)."""
    now = utcnow()
    purge_personal_data(now)
    purge_snapshots(now)


def snapshot_views() -> None:
    """Record the day's starting view total for the dashboard's "views today"."""
    snapshot_daily_views()


def moderation_mail() -> None:
    """Queue the editors' digest of held comments when one is due (setting
    `moderation.email_digest_minutes`), and forget e-mailed links spent so
    long ago that they have expired anyway."""
    now = utcnow()
    send_due_digest(now)
    forget_spent_links(now)


def deliver_outbox() -> None:
    """Deliver the messages no worker's sender delivered (a worker that
    crashed or stopped, retries that fell due while nothing ran)."""
    deliver_due()


def expire_rate_limits() -> None:
    """Delete rate-limit counters (and accounts' login failures) whose time
    has passed, so the `rate_limits` table holds only live ones; and forget
    the forms submitted long enough ago (cms.services.submissions)."""
    now = utcnow()
    delete_expired(now.timestamp())
    submissions.forget_old(now)


def related_lists() -> None:
    """Compute the related-article lists still queued (a worker's thread
    stopped, RELATED_MODE "tick", or a migration queued them)."""
    process_queue()


def scheduled_backup() -> None:
    """Take a backup when `backup.every_hours` have passed since the newest
    one in `backup.dir`, keeping the newest `backup.keep` (off by default)."""
    made = backup.scheduled_backup(current_settings())
    if made is not None:
        log_event("backup.taken", path=str(made))


def search_index() -> None:
    """Index the published articles the search index does not hold yet
    (published before it existed; a migration does not segment text)."""
    index_missing()


def sidebar_digests() -> None:
    """Recompute the sidebar's digests: 热门 follows view counts, and a
    scheduled article's time may have come."""
    refresh_digests()


JOBS: list[Job] = [
    Job("optimize-database", timedelta(hours=6), optimize_database),
    Job("purge-commenter-data", timedelta(hours=1), purge_commenter_data),
    Job("expire-rate-limits", timedelta(minutes=10), expire_rate_limits),
    Job("snapshot-daily-views", timedelta(minutes=1), snapshot_views),
    Job("moderation-mail", timedelta(minutes=1), moderation_mail),
    Job("deliver-outbox", timedelta(minutes=1), deliver_outbox),
    Job("related-lists", timedelta(minutes=1), related_lists),
    Job("scheduled-backup", timedelta(minutes=5), scheduled_backup),
    Job("search-index", timedelta(minutes=10), search_index),
    Job("sidebar-digests", timedelta(minutes=10), sidebar_digests),
]


def _claim(job: Job, now: datetime) -> bool:
    """True when this caller won the right to run `job` now."""
    try:
        with write_transaction():
            if db.session.get(JobRun, job.name) is None:
                db.session.add(JobRun(name=job.name, last_run_at=now))
                return True
            claimed = db.session.execute(
                update(JobRun)
                .where(JobRun.name == job.name, JobRun.last_run_at <= now - job.every)
                .values(last_run_at=now)
            ).rowcount
    except IntegrityError:  # another server inserted the row first
        return False
    return claimed == 1


def run_due_jobs(
    now: datetime | None = None, jobs: list[Job] | None = None
) -> list[str]:
    """Run every due job once; returns the names of those this call ran. A job
    that fails is logged and tried again at its next interval; the jobs after
    it still run."""
    now = now or utcnow()
    ran = []
    for job in JOBS if jobs is None else jobs:
        if not _claim(job, now):
            continue
        started = time.monotonic()
        try:
            job.run()
        except Exception as error:
            db.session.rollback()
            current_app.logger.exception("periodic job %s failed", job.name)
            log_event(
                "job.failed",
                job=job.name,
                error=f"{type(error).__name__}: {error}"[:300],
            )
            continue
        ms = round((time.monotonic() - started) * 1000)
        log_event("job.ran", job=job.name, ms=ms)
        ran.append(job.name)
    return ran
