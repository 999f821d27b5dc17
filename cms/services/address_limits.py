"""Failed attempts per client address (a login's password, its second step,
a password change), counted in the database every worker and server shares,
with or without Redis (cms.ratelimit.DatabaseStorage).

Always the database, like the per-account counts (cms.services.login_limits):
attempts are few, so the write costs nothing that matters, and the limit then
holds exactly when Redis stops. (Counts made in Redis do not move to its
database fallback: an address guessing when Redis stopped would get a fresh
window.)

The attempt is claimed before it is checked: `claim_address` adds one to
each window of the limit (e.g. "5 per minute;30 per hour") in one atomic
increment each, and refuses the attempt when a window is full; the caller
gives the claim back (`release_address`) when the attempt did not fail.
Parallel attempts from one address therefore cannot all pass a check made
before any of them is counted: any number of workers together let through
no more failures than one process would. (Flask-Limiter's `deduct_when`
tests first and counts after the answer, which lets parallel requests past.)

A refused attempt keeps nothing counted, so hammering a full window does not
lengthen the wait. A database that fails here lets the attempt through (and
says so in the log); the login that follows needs the database anyway.
"""

from __future__ import annotations

import logging
import math
import time

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter

from cms.extensions import limiter
from cms.ratelimit import DatabaseStorage
from cms.services.errors import ServiceError

log = logging.getLogger(__name__)

# The database's counters (stateless: every call uses the app's session).
_STORAGE = DatabaseStorage()
_STRATEGY = FixedWindowRateLimiter(_STORAGE)


class AddressThrottled(ServiceError):
    """Too many failed attempts from this address: wait `retry_after` s (429)."""

    def __init__(self, retry_after: int):
        super().__init__(f"失败次数过多，为保护账号安全，请 {retry_after} 秒后再试。")
        self.retry_after = retry_after


def _identifiers(scope: str, address: str) -> list[str]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return [part for part in (prefix, f"{scope}-address", address) if part]


def _add(items: list[RateLimitItem], identifiers: list[str], amount: int) -> None:
    for item in items:
        _STORAGE.incr(item.key_for(*identifiers), item.get_expiry(), amount=amount)


def _limits(limits: str | None) -> list[RateLimitItem]:
    return parse_many(limits or current_app.config["LOGIN_FAILURE_LIMIT"])


def claim_address(scope: str, address: str, limits: str | None = None) -> None:
    """Count one attempt of kind `scope` from `address` under each window of
    `limits` (LOGIN_FAILURE_LIMIT unless given), before the attempt is
    checked; AddressThrottled (and nothing kept) when a window is full."""
    if not limiter.enabled:
        return
    items = _limits(limits)
    identifiers = _identifiers(scope, address)
    try:
        counted: list[RateLimitItem] = []
        for item in items:
            counted.append(item)
            if _STRATEGY.hit(item, *identifiers):
                continue
            _add(counted, identifiers, -1)
            reset = _STRATEGY.get_window_stats(item, *identifiers).reset_time
            raise AddressThrottled(max(1, math.ceil(reset - time.time())))
    except _STORAGE.base_exceptions:
        log.warning("address limit: the store failed; not throttled", exc_info=True)


def release_address(scope: str, address: str, limits: str | None = None) -> None:
    """Give back one `claim_address`: the attempt did not fail (it succeeded,
    or another limit refused it). A window that ended in between may start
    one lower; nothing worse."""
    if not limiter.enabled:
        return
    try:
        _add(_limits(limits), _identifiers(scope, address), -1)
    except _STORAGE.base_exceptions:
        log.warning("address limit: cannot give a claim back", exc_info=True)
