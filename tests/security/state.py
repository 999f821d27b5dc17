"""The database's state, to tell whether a request changed it."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from cms.extensions import db
from cms.services.portable import encode_row, exported_tables

# What a refused or read-only request may still write: bookkeeping of the
# requests themselves (rate limits, view counts, used tokens, job runs, the
# kept sidebar digests and list sizes that follow them).
BOOKKEEPING_TABLES = {
    "rate_limits",
    "daily_views",
    "used_tokens",
    "job_runs",
    "digests",
    "lists_version",
}
BOOKKEEPING_COLUMNS = {"articles": {"view_count"}}


def table_digests() -> dict[str, str]:
    """SHA-256 of every exported table's rows but the bookkeeping (call in
    an app context); the session's transaction is ended first."""
    db.session.rollback()
    digests = {}
    with db.engine.connect() as connection:
        for table in exported_tables():
            if table.name in BOOKKEEPING_TABLES:
                continue
            skip = BOOKKEEPING_COLUMNS.get(table.name, set())
            columns = [c for c in table.columns if c.name not in skip]
            keys = list(table.primary_key.columns) or columns
            sha = hashlib.sha256()
            for row in connection.execute(select(*columns).order_by(*keys)):
                sha.update(encode_row(row).encode())
            digests[table.name] = sha.hexdigest()
    return digests
