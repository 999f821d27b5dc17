"""ASVS 6.3.8 (user enumeration): a failed login says nothing about the
account. An unknown username, a wrong password, an inactive account (with
its right password) and a two-factor account's wrong password get the same
status and the same page (apart from the form token and the username echoed
back); the first three take the same time: over 200 tries each (30 in a
quick run), the median answer times of any two differ by under 5 ms. The
per-address and per-account limits are raised for this check (they would
answer 429). Passwords here are hashed at a cost a skipped hash would show
(argon2id, 8 MiB, 2 passes: about 10 ms; the suite's own hashes cost
nothing). FOUND: a pair of causes whose answers differ, a pair whose
medians differ by 5 ms or more."""

from __future__ import annotations

import itertools
import re
import statistics
import time

import pyotp
from flask import Flask

from cms.extensions import db
from cms.services import two_factor
from tests.security.auth_support import account, variant
from tests.security.harness import PASSWORD, Site, Tally, check, form_token, planted

WRONG = "wrong password 123"
CASES = {
    "unknown user": ("enum-nobody", PASSWORD),
    "wrong password": ("enum-active", WRONG),
    "inactive account": ("enum-retired", PASSWORD),
    "two-factor, wrong password": ("enum-2fa", WRONG),
}
TIMED = ("unknown user", "wrong password", "inactive account")
HASH_COST = {"time_cost": 2, "memory_cost": 8 * 1024, "parallelism": 1}
BOUND_MS = 5.0
_TOKEN = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]*"')


def _app(site: Site) -> Flask:
    app = variant(
        site,
        PASSWORD_HASH_CHEAP=HASH_COST,
        LOGIN_FAILURE_LIMIT="1000000 per minute",
        LOGIN_ACCOUNT_FIRST_DELAY=0,
    )
    account(site, "enum-active", app)
    account(site, "enum-retired", app, active=False)
    enrolled = account(site, "enum-2fa", app)
    with app.app_context():
        if not db.session.get(two_factor.User, enrolled).has_two_factor:
            secret, now = two_factor.new_secret(), time.time()
            code = pyotp.TOTP(secret).generate_otp(int(now // 30))
            two_factor.enable_two_factor(enrolled, secret, code, now)
        db.session.remove()
    return app


def _normal(body: str, username: str) -> str:
    body = _TOKEN.sub(r'\1TOKEN"', body)
    return body.replace(f'value="{username}"', 'value="USERNAME"')


def _answers(app: Flask, tally: Tally) -> None:
    seen = {}
    for cause, (username, password) in CASES.items():
        client = app.test_client()
        token = form_token(client.get("/auth/login").get_data(as_text=True))
        data = {"username": username, "password": password, "csrf_token": token}
        answer = client.post("/auth/login", data=data)
        seen[cause] = (
            answer.status_code,
            _normal(answer.get_data(as_text=True), username),
        )
    for (a, one), (b, other) in itertools.combinations(seen.items(), 2):
        tally.attempt(one[0] != other[0], f"{a} {one[0]} / {b} {other[0]}")
        tally.attempt(one[1] != other[1], f"{a} / {b}: the pages differ")


def _times(app: Flask, tries: int, tally: Tally) -> None:
    posts = {}
    for n, cause in enumerate(TIMED):
        username, password = CASES[cause]
        client = app.test_client()
        environ = {"REMOTE_ADDR": f"198.18.7.{n + 1}"}
        token = form_token(
            client.get("/auth/login", environ_base=environ).get_data(as_text=True)
        )
        data = {"username": username, "password": password, "csrf_token": token}
        posts[cause] = (client, data, environ)
    taken: dict[str, list[float]] = {cause: [] for cause in TIMED}
    for round_ in range(tries):
        # Each cause in turn, the order rotated: load on the machine falls on all.
        shift = round_ % len(TIMED)
        for cause in TIMED[shift:] + TIMED[:shift]:
            client, data, environ = posts[cause]
            started = time.perf_counter()
            client.post("/auth/login", data=data, environ_base=environ)
            taken[cause].append(time.perf_counter() - started)
    medians = {cause: statistics.median(t) * 1000 for cause, t in taken.items()}
    for (a, one), (b, other) in itertools.combinations(medians.items(), 2):
        tally.attempt(
            abs(one - other) >= BOUND_MS,
            f"{a} {one:.1f} ms / {b} {other:.1f} ms (median of {tries})",
        )


@check("enumeration", alone=True)
def run(site: Site) -> Tally:
    tally = Tally("enumeration")
    app = _app(site)
    _answers(app, tally)
    _times(app, 30 if site.quick else 200, tally)
    return tally


@planted("enumeration")
def _no_dummy_hash(site: Site, monkeypatch) -> None:
    """An unknown username is answered at once, without hashing anything."""
    from cms.services import passwords

    def verify(stored: str | None, password: str) -> bool:
        return stored is not None and passwords.verify_hash(stored, password)

    monkeypatch.setattr("cms.services.users.verify_hash", verify)
