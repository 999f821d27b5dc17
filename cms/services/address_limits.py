"""Failed attempts per client address (a login's password, its second step),
counted in the rate-limit store every worker shares (Redis, or the database:
cms.ratelimit).

The attempt is claimed before it is checked: `claim_address` adds one to
each window of the limit (e.g. "5 per minute;30 per hour") in one atomic
increment each, and refuses the attempt when a window is full; the caller
gives the claim back (`release_address`) when the attempt did not fail.
Parallel attempts from one address therefore cannot all pass a check made
before any of them is counted: any number of workers together let through
no more failures than one process would. (Flask-Limiter's `deduct_when`
tests first and counts after the answer, which lets parallel requests past.)

A refused attempt keeps nothing counted, so hammering a full window does not
lengthen the wait. A store that fails lets the attempt through (and says so
in the log): a broken limit store never stops logins; the per-account limit
(cms.services.login_limits) still holds then.
"""

from __future__ import annotations

import logging
import math
import time

from flask import current_app
from limits import RateLimitItem, parse_many

from cms.extensions import limiter
from cms.services.errors import ServiceError

log = logging.getLogger(__name__)


class AddressThrottled(ServiceError):
    """Too many failed attempts from this address: wait `retry_after` s (429)."""

    def __init__(self, retry_after: int):
        super().__init__(f"失败次数过多，为保护账号安全，请 {retry_after} 秒后再试。")
        self.retry_after = retry_after


def _identifiers(scope: str, address: str) -> list[str]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return [part for part in (prefix, f"{scope}-address", address) if part]


def _add(items: list[RateLimitItem], identifiers: list[str], amount: int) -> None:
    storage = limiter.limiter.storage
    for item in items:
        storage.incr(item.key_for(*identifiers), item.get_expiry(), amount=amount)


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
    strategy = limiter.limiter
    try:
        counted: list[RateLimitItem] = []
        for item in items:
            counted.append(item)
            if strategy.hit(item, *identifiers):
                continue
            _add(counted, identifiers, -1)
            reset = strategy.get_window_stats(item, *identifiers).reset_time
            raise AddressThrottled(max(1, math.ceil(reset - time.time())))
    except strategy.storage.base_exceptions:
        log.warning("address limit: the store failed; not throttled", exc_info=True)


def release_address(scope: str, address: str, limits: str | None = None) -> None:
    """Give back one `claim_address`: the attempt did not fail (it succeeded,
    or another limit refused it). A window that ended in between may start
    one lower; nothing worse."""
    if not limiter.enabled:
        return
    storage = limiter.limiter.storage
    try:
        _add(_limits(limits), _identifiers(scope, address), -1)
    except storage.base_exceptions:
        log.warning("address limit: cannot give a claim back", exc_info=True)
