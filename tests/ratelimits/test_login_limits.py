"""The per-account login limit: after 5 failed passwords at one account, from
any addresses, a growing delay (1 s doubling, at most 5 minutes, forgotten
after an hour of quiet) during which that account's logins answer 429."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import RateLimit
from cms.services import login_limits
from cms.services.login_limits import (
    AccountThrottled,
    claim_attempt,
    delay_after,
    login_succeeded,
)
from tests.clock import patch_clock
from tests.conftest import PASSWORD

WRONG = "wrong password 123"
T0 = 1_800_000_000.0


@pytest.fixture
def clock(monkeypatch):
    return patch_clock(monkeypatch, login_limits, T0)


def attempt(client, username: str, password: str, n: int):
    """A login from address 198.51.100.n."""
    return client.post(
        "/auth/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
    )


def record(app, username: str) -> tuple[int, float] | None:
    with app.app_context():
        row = db.session.execute(
            select(RateLimit.count, RateLimit.expires_at).where(
                RateLimit.key == f"login-account/{username}"
            )
        ).first()
        return tuple(row) if row else None


def test_five_failures_from_five_addresses_make_the_account_wait(
    app, client, editor, clock
):
    failures = [attempt(client, editor, WRONG, n).status_code for n in range(5)]
    refused = attempt(client, editor, PASSWORD, 5)
    clock.now += 0.99
    still = attempt(client, editor, PASSWORD, 6)
    clock.now += 0.01
    allowed = attempt(client, editor, PASSWORD, 7)

    assert failures == [401] * 5
    assert refused.status_code == still.status_code == 429
    # Flask-Limiter rewrites Retry-After from its own window (truncating).
    assert int(refused.headers["Retry-After"]) in (0, 1)
    assert "该账号登录失败次数过多" in refused.get_data(as_text=True)
    assert "请 1 秒后再试" in refused.get_data(as_text=True)
    assert allowed.status_code == 303
    assert record(app, editor) is None  # a success forgets the failures


def test_an_unknown_account_is_limited_the_same_way(app, client, editor, clock):
    """Whether the account exists makes no difference to the answers."""
    known = [attempt(client, editor, WRONG, n).status_code for n in range(6)]
    unknown = [attempt(client, "ghost", WRONG, n).status_code for n in range(6)]

    assert known == unknown == [401] * 5 + [429]


def test_the_username_is_one_account_whatever_its_case(app, client, editor, clock):
    names = [editor, editor.upper(), editor.title(), editor, editor.upper()]
    failures = [
        attempt(client, name, WRONG, n).status_code for n, name in enumerate(names)
    ]

    assert failures == [401] * 5
    assert attempt(client, editor, PASSWORD, 9).status_code == 429


def test_the_delay_doubles_up_to_five_minutes(ctx):
    assert [delay_after(n) for n in range(5)] == [0] * 5
    assert [delay_after(n) for n in range(5, 16)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        64,
        128,
        256,
        300,
        300,
    ]
    assert delay_after(10_000) == 300


def test_each_wait_is_enforced_to_the_second(ctx):
    now = T0
    for _ in range(5):
        claim_attempt("someone", now)
    waits = []
    for failures in range(5, 16):
        delay = delay_after(failures)
        with pytest.raises(AccountThrottled) as refused:
            claim_attempt("someone", now)  # right after the last failure
        waits.append(refused.value.retry_after)
        with pytest.raises(AccountThrottled):
            claim_attempt("someone", now + delay - 0.01)
        now += delay
        claim_attempt("someone", now)  # the wait is over: counted again

    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_an_hour_of_quiet_forgets_the_failures(app, ctx):
    for _ in range(5):
        claim_attempt("quiet", T0)
    claim_attempt("quiet", T0 + 3599)  # within the hour: still remembered
    assert record(app, "quiet")[0] == 6
    with pytest.raises(AccountThrottled):
        claim_attempt("quiet", T0 + 3600)  # the 6th failure's 2 s

    claim_attempt("quiet", T0 + 3599 + 3600)  # an hour after the last failure

    assert record(app, "quiet")[0] == 1  # counting starts again


def test_a_success_clears_the_failures(app, ctx):
    for n in range(4):
        claim_attempt("lucky", T0 + n)
    login_succeeded("lucky")

    for n in range(5):
        claim_attempt("lucky", T0 + 10 + n)  # five free failures again
    with pytest.raises(AccountThrottled):
        claim_attempt("lucky", T0 + 14.5)


def test_parallel_guesses_cannot_slip_through(shared_app):
    """4 failures, then 8 guesses at once: exactly one gets to try."""
    with shared_app.app_context():
        for n in range(4):
            claim_attempt("target", T0 + n)
        db.session.remove()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def guess() -> None:
        with shared_app.app_context():
            barrier.wait()
            try:
                claim_attempt("target", T0 + 10)
                outcomes.append("tried")
            except AccountThrottled:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["refused"] * 7 + ["tried"]


def test_a_real_user_waits_at_most_five_minutes(app, client, editor, clock):
    """Even after a hundred failures at the account, the owner is back in
    five minutes after the last one."""
    for n in range(100):
        attempt(client, editor, WRONG, n % 250)
        clock.now += 301
    clock.now -= 301
    clock.now += 299

    assert attempt(client, editor, PASSWORD, 1).status_code == 429
    clock.now += 1
    assert attempt(client, editor, PASSWORD, 2).status_code == 303


@pytest.fixture
def app_config(app_config):
    # Many tries from few addresses here: the per-address limit is not tested.
    app_config["LOGIN_FAILURE_LIMIT"] = "1000 per minute"
    return app_config
