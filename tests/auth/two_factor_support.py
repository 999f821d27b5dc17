"""What the two-factor tests share: an account with two-factor login on, its
codes, and the login's two steps as a browser makes them."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyotp
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import User
from cms.services.two_factor import enable_two_factor, new_secret, stored_secret
from tests.conftest import PASSWORD

STEP = 30


@dataclass
class Enrolled:
    """An account with two-factor login on: its secret, the step its
    enrolment used, and its recovery codes."""

    username: str
    secret: str
    step: int
    recovery: list[str]

    def code(self, step: int) -> str:
        return pyotp.TOTP(self.secret).generate_otp(step)

    def fresh(self, offset: int = 1) -> str:
        """A code of a step after the enrolment's (within the drift)."""
        return self.code(self.step + offset)


def enrol(app, username: str) -> Enrolled:
    """Turn two-factor login on for `username` through the service."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        secret, now = new_secret(), time.time()
        step = int(now // STEP)
        codes = enable_two_factor(
            user.id, secret, pyotp.TOTP(secret).generate_otp(step), now
        )
    return Enrolled(username, secret, step, codes)


def secret_of(app, username: str) -> str | None:
    """The account's TOTP secret as the service unseals it (None: none, or
    no configured key opens it)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        opened = stored_secret(user)
        return opened.plaintext if opened else None


def password_step(client, username: str, password: str = PASSWORD, ip: str = ""):
    environ = {"REMOTE_ADDR": ip} if ip else {}
    return client.post(
        "/auth/login",
        data={"username": username, "password": password},
        environ_base=environ,
    )


def code_step(client, code: str, ip: str = ""):
    environ = {"REMOTE_ADDR": ip} if ip else {}
    return client.post("/auth/two-factor", data={"code": code}, environ_base=environ)


def logged_in(client) -> bool:
    response = client.get("/moderation/")
    return response.status_code == 200


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def shown_secret(response) -> str:
    """The secret an enrolment page shows."""
    return parse(response).select_one(".two-factor-secret code").get_text(strip=True)


def shown_codes(response) -> list[str]:
    return [
        c.get_text(strip=True) for c in parse(response).select(".recovery-codes code")
    ]
