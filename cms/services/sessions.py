"""Login sessions: what a session or remember-me cookie names, and whether it
still opens the account.

A login is identified as `id:version:login_at` (`session_identity`): the
account, its session version when the login happened, and the time (seconds
since the epoch) the password (and the second factor, when the account has
one) was given. Flask-Login keeps that string in the session cookie and
signs it into the remember-me cookie, so both carry the login time.

What it guarantees (`load_session_user`): an identity opens its account
only while the account is active, its version is still the account's
(logout, a password change or reset, a deactivation and two-factor changes
all bump it: cms.services.users.end_sessions) and the login is less than
the absolute limit old, whichever cookie carries it. An identity in the
old `id:version` form (issued before logins were timed) opens nothing.
The idle limit needs the time of the session's last request, which only
the web layer sees (cms/auth/sessions.py); `idle_expired` is its rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from cms.extensions import db
from cms.models import User


@dataclass(frozen=True)
class SessionIdentity:
    """The parts of an `id:version:login_at` identity."""

    user_id: int
    version: int
    login_at: int


def session_identity(user: User, login_at: float) -> str:
    """The identity of a login of `user` at `login_at` (epoch seconds)."""
    return f"{user.id}:{user.session_version}:{int(login_at)}"


def parse_identity(identity: str) -> SessionIdentity | None:
    """The parts of an identity; None for anything else (an old two-part
    identity, a forged or damaged one)."""
    parts = identity.split(":")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    user_id, version, login_at = (int(part) for part in parts)
    return SessionIdentity(user_id, version, login_at)


def login_expired(login_at: float, now: float, absolute_seconds: float) -> bool:
    """Whether a login made at `login_at` is past the absolute limit (or
    claims to have happened in the future, beyond a minute of clock skew)."""
    age = now - login_at
    return age >= absolute_seconds or age < -60


def idle_expired(last_seen: float | None, now: float, idle_seconds: float) -> bool:
    """Whether a session last used at `last_seen` has been idle too long
    (a session without a last-seen time is treated as expired)."""
    return last_seen is None or now - last_seen >= idle_seconds


def load_session_user(
    identity: str, now: float, absolute_seconds: float
) -> User | None:
    """The active account the identity names, if its version still holds and
    its login is younger than `absolute_seconds`; else None."""
    parsed = parse_identity(identity)
    if parsed is None or login_expired(parsed.login_at, now, absolute_seconds):
        return None
    user = db.session.get(User, parsed.user_id)
    if user is None or not user.active or user.session_version != parsed.version:
        return None
    return user


def pending_user(user_id: int, version: int) -> User | None:
    """The account of a login waiting for its second step, if it is still
    active and its sessions have not been ended since the password."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user
