"""The login session in the browser's cookies: a new one at every login,
checked at every request, emptied at logout.

- `begin_session`: whatever the session held before the login (its form
  token, a pending second step, unlocked articles) is dropped, so nothing
  from before carries over; the session and any remember-me cookie name
  the login as `id:version:login_at` (cms.services.sessions).
- `load_user` (Flask-Login's user loader): the account opens only while
  cms.services.sessions says the identity holds (version, active, the
  absolute limit SESSION_ABSOLUTE_HOURS) and, for a session without
  "记住我", while its last request is less than SESSION_IDLE_MINUTES old.
  "记住我" lifts the idle limit (that is what it asks for) but never the
  absolute one: its cookie carries the login time and expires with it.
- `end_session`: the whole session is emptied and the remember-me cookie
  deleted (the caller ends the account's other credentials).
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user
from flask_login.utils import decode_cookie

from cms.models import User
from cms.services.sessions import idle_expired, load_session_user, session_identity

SEEN = "_seen"  # when the session last made a request (epoch seconds)
# Flask-Login's keys in the session.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", SEEN)


def idle_seconds() -> float:
    return float(current_app.config["SESSION_IDLE_MINUTES"]) * 60


def absolute_seconds() -> float:
    return float(current_app.config["SESSION_ABSOLUTE_HOURS"]) * 3600


def remember_duration() -> timedelta:
    """How long a remember-me cookie lives: REMEMBER_COOKIE_DURATION, never
    beyond the absolute limit."""
    configured = current_app.config["REMEMBER_COOKIE_DURATION"]
    return min(configured, timedelta(seconds=absolute_seconds()))


def _remember_cookie() -> str | None:
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return request.cookies.get(name)


def begin_session(user: User, remember: bool) -> None:
    """Log `user` in on a new session (see the module docstring)."""
    now = time.time()
    had_remember_cookie = _remember_cookie() is not None
    session.clear()
    login_user(user, remember=remember, duration=remember_duration())
    session["_user_id"] = session_identity(user, now)
    session[SEEN] = round(now, 1)
    if not remember and had_remember_cookie:
        session["_remember"] = "clear"  # an older login's cookie goes


def end_session() -> None:
    """Empty the session and delete the remember-me cookie."""
    session.clear()
    logout_user()


def _kept(identity: str) -> bool:
    """Whether this login was made with "记住我": the request carries a
    remember-me cookie, signed by us, naming this very login."""
    cookie = _remember_cookie()
    return cookie is not None and decode_cookie(cookie) == identity


def remembered() -> bool:
    """Whether the current login was made with "记住我" (so a new session
    for it, after a password change, keeps it)."""
    identity = session.get("_user_id")
    return isinstance(identity, str) and _kept(identity)


def _forget() -> None:
    """The session names a login that has ended: drop it and the remember-me
    cookie; the request goes on anonymous."""
    for key in _LOGIN_KEYS:
        session.pop(key, None)
    if _remember_cookie() is not None:
        session["_remember"] = "clear"


def load_user(identity: str) -> User | None:
    """The account a session (or a remember-me cookie) opens, if any."""
    now = time.time()
    idle = idle_seconds()
    if not _kept(identity) and idle_expired(session.get(SEEN), now, idle):
        _forget()
        return None
    user = load_session_user(identity, now, absolute_seconds())
    if user is None:
        _forget()
        return None
    # The last-seen time is rewritten at most every minute (each rewrite is
    # a new cookie), more often only for an idle limit shorter than 10 min.
    if now - float(session.get(SEEN) or 0) >= min(60.0, idle / 10):
        session[SEEN] = round(now, 1)
    return user
