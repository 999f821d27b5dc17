"""ASVS 6.5-6.6 (two-factor login): after a right password an account with
two-factor login holds only a pending login, which opens nothing; wrong
codes and a skipped step do not log in; a code works once (also when sent
twice at the same moment); a recovery code works once; code guesses are
bounded by the login limits whatever the addresses and however often the
password is given again; an admin the site requires it of reaches nothing
before setting it up and cannot turn it off. FOUND: each of those that
got through."""

from __future__ import annotations

import threading
import time

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from cms.extensions import db
from cms.models import Role, User
from cms.services import two_factor
from cms.services.login_limits import FREE_FAILURES
from cms.services.settings import set_setting
from tests.security.auth_support import account, log_in, opens, token_of, variant
from tests.security.harness import Site, Tally, check, form_token, planted

PROTECTED = ("/moderation/", "/moderation/posts", "/moderation/profile")


class Enrolled:
    """An account with two-factor login on, set up through the service."""

    def __init__(self, app: Flask, username: str) -> None:
        with app.app_context():
            user_id = db.session.scalar(
                db.select(User.id).where(User.username == username)
            )
            self.secret, now = two_factor.new_secret(), time.time()
            self.step = int(now // 30)
            self.recovery = two_factor.enable_two_factor(
                user_id, self.secret, self.code(self.step), now
            )
            db.session.remove()

    def code(self, step: int) -> str:
        return pyotp.TOTP(self.secret).generate_otp(step)


def _code(client: FlaskClient, code: str, address: str = "192.0.2.50"):
    environ = {"REMOTE_ADDR": address}
    page = client.get("/auth/two-factor", environ_base=environ)
    data = {"code": code, "csrf_token": form_token(page.get_data(as_text=True))}
    return client.post("/auth/two-factor", data=data, environ_base=environ)


def _logged_in_by(answer) -> bool:
    return answer.status_code == 303 and answer.headers["Location"].startswith(
        "/moderation"
    )


def _pending_opens_nothing(app: Flask, tally: Tally, enrolled: Enrolled) -> None:
    client = app.test_client()
    answer = log_in(client, "tf-user")
    tally.attempt(_logged_in_by(answer), "the password alone logged in")
    for path in PROTECTED:
        status = client.get(path).status_code
        tally.attempt(status == 200, f"a pending login opened {path}")
    for wrong in ("000000", "", "1234567", "aaaa-bbbb-cccc-dddd", enrolled.secret):
        tally.attempt(_logged_in_by(_code(client, wrong)), f"code {wrong!r} worked")
    stranger = app.test_client()  # no password given at all
    answer = _code(stranger, enrolled.code(enrolled.step + 1))
    tally.attempt(_logged_in_by(answer), "a code without the password logged in")


def _once(app: Flask, tally: Tally, enrolled: Enrolled) -> None:
    code = enrolled.code(enrolled.step + 1)
    first = app.test_client()
    log_in(first, "tf-user")
    tally.attempt(not _logged_in_by(_code(first, code)), "a right code was refused")
    for _ in range(2):
        again = app.test_client()
        log_in(again, "tf-user")
        tally.attempt(_logged_in_by(_code(again, code)), "a used code worked again")
    old = app.test_client()
    log_in(old, "tf-user")
    earlier = enrolled.code(enrolled.step)
    tally.attempt(_logged_in_by(_code(old, earlier)), "an earlier step's code worked")
    for n in range(2):
        spent = app.test_client()
        log_in(spent, "tf-user")
        answer = _code(spent, enrolled.recovery[0])
        if n == 0:
            tally.attempt(not _logged_in_by(answer), "a recovery code was refused")
        else:
            tally.attempt(_logged_in_by(answer), "a recovery code worked twice")


def _at_once(app: Flask, tally: Tally, enrolled: Enrolled) -> None:
    """One fresh code sent by four pending logins at the same moment."""
    code = enrolled.code(enrolled.step + 1)
    clients = [app.test_client() for _ in range(4)]
    forms = []
    for client in clients:
        log_in(client, "tf-race")
        page = client.get("/auth/two-factor").get_data(as_text=True)
        forms.append({"code": code, "csrf_token": form_token(page)})
    start, won = threading.Barrier(4), []

    def send(n: int) -> None:
        start.wait()
        answer = clients[n].post("/auth/two-factor", data=forms[n])
        won.append(_logged_in_by(answer))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for n in range(1, 4):
        tally.attempt(sum(won) > n, f"one code logged {sum(won)} browsers in at once")


def _guesses(site: Site, tally: Tally) -> None:
    """Wrong codes from ten addresses, the password given again midway: the
    account's five free failures (the password step is one) bound them."""
    app = variant(site, LOGIN_ACCOUNT_FIRST_DELAY=60)
    account(site, "tf-guess")
    Enrolled(app, "tf-guess")
    client = app.test_client()
    log_in(client, "tf-guess")
    tried = 0
    for n in range(10):
        if n == 2:
            log_in(client, "tf-guess")
        answer = _code(client, f"{n:06d}", address=f"192.0.2.{100 + n}")
        tried += answer.status_code == 401
    bound = FREE_FAILURES - 2  # the password was given twice
    for n in range(10):
        tally.attempt(bound <= n < tried, f"{tried} code guesses tried (bound {bound})")


def _required(site: Site, app: Flask, tally: Tally) -> None:
    account(site, "tf-admin")
    account(site, "tf-admin-2fa")
    with site.context():
        for name in ("tf-admin", "tf-admin-2fa"):
            user = db.session.scalar(db.select(User).where(User.username == name))
            user.role = Role.ADMIN
        db.session.commit()
    enrolled = Enrolled(app, "tf-admin-2fa")
    before = app.test_client()
    log_in(before, "tf-admin")  # logged in while nothing is required
    with site.context():
        set_setting("auth.admin_two_factor", "true")
    try:
        client = app.test_client()
        answer = log_in(client, "tf-admin")
        tally.attempt(_logged_in_by(answer), "a required admin logged in without it")
        for path in PROTECTED:
            tally.attempt(opens(client), f"a required admin opened {path}")
            tally.attempt(
                before.get(path).status_code == 200, f"an earlier session opened {path}"
            )
        admin = app.test_client()
        log_in(admin, "tf-admin-2fa")
        _code(admin, enrolled.code(enrolled.step + 1))
        admin.post(
            "/moderation/two-factor",
            data={
                "do": "disable",
                "code": enrolled.recovery[1],
                "csrf_token": token_of(admin, "/moderation/two-factor"),
            },
        )
        with site.context():
            user = db.session.scalar(
                db.select(User).where(User.username == "tf-admin-2fa")
            )
            tally.attempt(not user.has_two_factor, "a required admin turned it off")
    finally:
        with site.context():
            set_setting("auth.admin_two_factor", "false")


@check("two-factor")
def run(site: Site) -> Tally:
    tally = Tally("two-factor")
    # The login limits are the business of _guesses; elsewhere they are
    # raised, so that a refusal is the second step's own.
    app = variant(
        site, LOGIN_ACCOUNT_FIRST_DELAY=0, LOGIN_FAILURE_LIMIT="1000 per minute"
    )
    account(site, "tf-user")
    account(site, "tf-race")
    enrolled = Enrolled(app, "tf-user")
    _pending_opens_nothing(app, tally, enrolled)
    _once(app, tally, enrolled)
    _at_once(app, tally, Enrolled(app, "tf-race"))
    _guesses(site, tally)
    _required(site, app, tally)
    return tally


@planted("two-factor")
def _reusable_codes(site: Site, monkeypatch) -> None:
    """A code is checked but its step is not recorded: it works again."""

    def any_time(user: User, code: str, now: float) -> bool:
        opened = two_factor.stored_secret(user)
        secret = opened.plaintext if opened else ""
        return two_factor.matching_step(secret, code, now) is not None

    monkeypatch.setattr(two_factor, "_use_totp", any_time)
