"""cms.services.jobs.run_due_jobs: each due job once, even with several tickers."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from cms.extensions import db
from cms.models import JobRun, utcnow
from cms.services.jobs import JOBS, Job, run_due_jobs

EVERY = timedelta(minutes=10)


class Counter:
    """A job body that counts its runs (thread-safe)."""

    def __init__(self):
        self.runs = 0
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.runs += 1


def last_run(name: str):
    db.session.rollback()
    return db.session.scalar(select(JobRun.last_run_at).where(JobRun.name == name))


def test_a_due_job_runs_once_then_waits_for_its_interval(ctx):
    body = Counter()
    job = Job("test-job", EVERY, body)
    t0 = utcnow()
    assert run_due_jobs(now=t0, jobs=[job]) == ["test-job"]
    assert body.runs == 1
    assert last_run("test-job") == t0
    assert run_due_jobs(now=t0, jobs=[job]) == []
    assert run_due_jobs(now=t0 + EVERY - timedelta(seconds=1), jobs=[job]) == []
    assert body.runs == 1
    assert last_run("test-job") == t0
    assert run_due_jobs(now=t0 + EVERY, jobs=[job]) == ["test-job"]
    assert body.runs == 2
    assert last_run("test-job") == t0 + EVERY


def test_jobs_are_due_independently(ctx):
    fast, slow = Counter(), Counter()
    jobs = [
        Job("fast", timedelta(minutes=1), fast),
        Job("slow", timedelta(hours=1), slow),
    ]
    t0 = utcnow()
    assert run_due_jobs(now=t0, jobs=jobs) == ["fast", "slow"]
    assert run_due_jobs(now=t0 + timedelta(minutes=2), jobs=jobs) == ["fast"]
    assert (fast.runs, slow.runs) == (2, 1)


def test_the_shipped_jobs_run_on_a_fresh_site(ctx):
    ran = run_due_jobs()
    assert ran == [job.name for job in JOBS]
    assert run_due_jobs() == []
    assert all(last_run(job.name) is not None for job in JOBS)


def _race(app, job: Job, now, tickers: int = 8) -> list[list[str]]:
    """`tickers` threads, each with its own app context, run the job at once."""
    barrier = threading.Barrier(tickers)
    results: list[list[str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def tick():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                ran = run_due_jobs(now=now, jobs=[job])
            with lock:
                results.append(ran)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(tickers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == tickers
    return results


def test_simultaneous_first_claims_run_the_job_once(shared_app):
    body = Counter()
    job = Job("race-first", EVERY, body)
    results = _race(shared_app, job, utcnow())
    assert sorted(results) == [[]] * 7 + [["race-first"]]
    assert body.runs == 1


def test_simultaneous_claims_of_a_due_job_run_it_once(shared_app):
    body = Counter()
    job = Job("race-due", EVERY, body)
    t0 = utcnow()
    with shared_app.app_context():
        assert run_due_jobs(now=t0, jobs=[job]) == ["race-due"]
    results = _race(shared_app, job, t0 + EVERY)
    assert sorted(results) == [[]] * 7 + [["race-due"]]
    assert body.runs == 2
    with shared_app.app_context():
        assert last_run("race-due") == t0 + EVERY
