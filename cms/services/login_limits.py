"""Failed logins per account, whatever addresses they come from.

The first FREE_FAILURES failures in a row cost nothing; after that each new
attempt must wait a delay that starts at one second and doubles with every
further failure, up to MAX_DELAY (five minutes), so a real user is never kept
out longer than that. An account left alone for QUIET seconds (an hour)
starts again from zero, and a successful login clears it at once.

The attempt is claimed before the password is checked: `claim_attempt`
counts it as a failure under a row lock, and `login_succeeded` takes it back.
Parallel guesses at one account therefore queue on that row and cannot all
pass before the first of them is counted. Unknown usernames are limited the
same way, so a refusal says nothing about whether an account exists.

The record lives in the database (`rate_limits`, key `login-account/<name>`)
on every deployment: logging in reads the database anyway, and every server
sees the same count. The expiry job deletes records an hour after their last
failure.
"""

from __future__ import annotations

import logging
import math
import time

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError

from cms.database import write_transaction
from cms.extensions import db
from cms.models import RateLimit
from cms.ratelimit.counters import new_counter, relax_durability, storage_key
from cms.services.errors import ServiceError

FREE_FAILURES = 5
# Seconds after the FREE_FAILURES-th failure (config LOGIN_ACCOUNT_FIRST_DELAY).
FIRST_DELAY = 1.0
MAX_DELAY = 300.0
QUIET = 3600.0  # seconds without a failure after which the account is forgiven

log = logging.getLogger(__name__)


class AccountThrottled(ServiceError):
    """Too many failed logins at this account: wait `retry_after` seconds (429)."""

    def __init__(self, retry_after: int):
        super().__init__(
            f"该账号登录失败次数过多，为保护账号安全，请 {retry_after} 秒后再试。"
        )
        self.retry_after = retry_after


def delay_after(failures: int, first: float = FIRST_DELAY) -> float:
    """How long the next attempt must wait after `failures` failures in a
    row: nothing for the first FREE_FAILURES, then `first` (1 s), doubling
    with each further failure, never more than MAX_DELAY."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(first * 2 ** min(failures - FREE_FAILURES, 32), MAX_DELAY)


def _key(username: str) -> str:
    return storage_key(f"login-account/{username.strip().lower()}")


def claim_attempt(username: str, now: float | None = None) -> None:
    """Count one login attempt at `username` as a failure, before its
    password is checked; AccountThrottled (nothing counted) while the
    account's delay runs. When the database cannot record the attempt (read
    only, full, locked too long) the attempt goes on unthrottled and the
    failure is logged: a broken limit store never stops logins."""
    now = time.time() if now is None else now
    key = _key(username)
    try:
        with write_transaction():
            relax_durability()
            db.session.execute(
                new_counter(key, expires_at=now).on_conflict_do_nothing()
            )
            count, expires_at = db.session.execute(
                select(RateLimit.count, RateLimit.expires_at)
                .where(RateLimit.key == key)
                .with_for_update()
            ).one()
            failures = count if expires_at > now else 0
            if failures:
                last_failure = expires_at - QUIET
                first = current_app.config.get("LOGIN_ACCOUNT_FIRST_DELAY", FIRST_DELAY)
                wait = last_failure + delay_after(failures, float(first)) - now
                if wait > 0:
                    raise AccountThrottled(math.ceil(wait))
            db.session.execute(
                update(RateLimit)
                .where(RateLimit.key == key)
                .values(count=failures + 1, expires_at=now + QUIET)
            )
    except OperationalError:
        log.warning(
            "login limit: cannot record an attempt; not throttled", exc_info=True
        )


def login_succeeded(username: str) -> None:
    """The password was right: forget the account's failures."""
    try:
        with write_transaction():
            db.session.execute(delete(RateLimit).where(RateLimit.key == _key(username)))
    except OperationalError:
        log.warning("login limit: cannot clear an account's failures", exc_info=True)
