"""The per-address login limit counts an attempt before it is checked, so
parallel attempts from one address cannot all slip past the count (as they
did when Flask-Limiter tested first and deducted after the answer)."""

from __future__ import annotations

import threading

import pytest

from cms.extensions import db, limiter
from cms.services.address_limits import (
    AddressThrottled,
    claim_address,
    release_address,
)

LIMIT = "5 per minute"


def test_parallel_attempts_from_one_address_get_exactly_the_limit(shared_app):
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def attempt() -> None:
        with shared_app.app_context():
            barrier.wait()
            try:
                claim_address("login", "203.0.113.77", LIMIT)
                outcomes.append("tried")
            except AddressThrottled:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["refused"] * 7 + ["tried"] * 5


def test_a_released_claim_frees_its_place_and_refusals_keep_nothing(ctx):
    for _ in range(5):
        claim_address("login", "203.0.113.78", LIMIT)
    for _ in range(3):
        with pytest.raises(AddressThrottled) as refused:
            claim_address("login", "203.0.113.78", LIMIT)
        assert 1 <= refused.value.retry_after <= 60

    release_address("login", "203.0.113.78", LIMIT)

    claim_address("login", "203.0.113.78", LIMIT)  # the freed place
    with pytest.raises(AddressThrottled):
        claim_address("login", "203.0.113.78", LIMIT)


def test_another_address_is_not_affected(ctx):
    for _ in range(5):
        claim_address("login", "203.0.113.79", LIMIT)

    claim_address("login", "203.0.113.80", LIMIT)


def test_each_window_of_the_limit_holds(ctx):
    for _ in range(3):
        claim_address("login", "203.0.113.81", "10 per minute;3 per hour")
    with pytest.raises(AddressThrottled) as refused:
        claim_address("login", "203.0.113.81", "10 per minute;3 per hour")
    assert refused.value.retry_after > 60


@pytest.fixture
def unreachable_redis(app_config):
    app_config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # the limiter's store


def test_failed_logins_are_counted_in_the_database_even_with_redis(
    unreachable_redis, ctx
):
    """With Redis set, an address's count still lives in `rate_limits`: a
    Redis that stops cannot hand the address a fresh window."""
    from cms.models import RateLimit
    from cms.ratelimit import RedisWithFallback

    assert isinstance(limiter.storage, RedisWithFallback)
    for _ in range(2):
        claim_address("login", "203.0.113.82", LIMIT)

    rows = db.session.scalars(
        db.select(RateLimit).where(RateLimit.key.contains("203.0.113.82"))
    ).all()
    assert [row.count for row in rows] == [2]
    assert not limiter.storage.using_fallback  # Redis was never asked
