"""Health checks for load balancers and monitors: does the database answer,
and does it accept writes."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import insert, text
from sqlalchemy.exc import SQLAlchemyError

from cms.database import rolled_back_write
from cms.extensions import db
from cms.models import JobRun, utcnow

log = logging.getLogger(__name__)


def database_reads() -> bool:
    """True when the database answers a query."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("health check: database does not answer: %s", error)
        db.session.rollback()
        return False
    return True


def database_writes() -> bool:
    """True when the database accepts a write: one row is inserted into
    job_runs (under a name no job has) and rolled back, so a read-only
    database, a full disk on SQLite or a read-only PostgreSQL transaction
    fails it and nothing is ever left behind."""
    try:
        with rolled_back_write() as session:
            probe = f"health-probe-{secrets.token_hex(6)}"
            session.execute(insert(JobRun).values(name=probe, last_run_at=utcnow()))
            session.flush()
    except SQLAlchemyError as error:
        log.warning("health check: database refuses writes: %s", error)
        return False
    return True
