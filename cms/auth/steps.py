"""The steps of a login after the password: straight in, a code first, or
(an admin the site requires it of) setting up two-factor login first.

Between the password and the code the session holds only a pending login
(`_login_pending`: the account, its session version, when the password was
given, "记住我" and where to go next). It grants nothing: Flask-Login does
not see it, so every page treats the visitor as anonymous. It lasts
PENDING_SECONDS and dies with the account's sessions (its version).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import redirect, request, session, url_for

from cms.auth.sessions import begin_session
from cms.logs import log_event
from cms.models import User
from cms.services.sessions import pending_user
from cms.services.two_factor import must_enrol, new_secret

PENDING = "_login_pending"
ENROL_SECRET = "_totp_enrol"  # a secret shown for enrolment, not yet confirmed
PENDING_SECONDS = 300


@dataclass(frozen=True)
class Pending:
    """A login whose password was right, waiting for its next step."""

    user: User
    remember: bool
    next_url: str | None


def finish_login(user: User, remember: bool, next_url: str | None):
    """Log in on a new session and go on (303)."""
    begin_session(user, remember)
    log_event("auth.login", user_id=user.id, ip=request.remote_addr)
    return redirect(next_url or url_for("moderation.dashboard"), 303)


def after_password(user: User, remember: bool, next_url: str | None):
    """Where a right password leads: the code step, the enrolment step, or
    straight in."""
    if not user.has_two_factor and not must_enrol(user):
        return finish_login(user, remember, next_url)
    enrol = not user.has_two_factor
    session.clear()
    session[PENDING] = {
        "user": user.id,
        "version": user.session_version,
        "at": time.time(),
        "remember": bool(remember),
        "next": next_url,
        "enrol": enrol,
    }
    return redirect(url_for("auth.enrol" if enrol else "auth.second_step"), 303)


def read_pending(enrol: bool) -> Pending | None:
    """The pending login of this step, if there is a live one."""
    data = session.get(PENDING)
    if not isinstance(data, dict) or data.get("enrol") is not enrol:
        return None
    if not 0 <= time.time() - float(data.get("at", 0)) < PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = pending_user(int(data["user"]), int(data["version"]))
    if user is None:
        session.pop(PENDING, None)
        return None
    return Pending(user, bool(data["remember"]), data.get("next"))


def enrol_secret() -> str:
    """The secret shown for enrolment in this session (made on first use)."""
    secret = session.get(ENROL_SECRET)
    if not isinstance(secret, str):
        secret = session[ENROL_SECRET] = new_secret()
    return secret
