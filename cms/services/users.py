"""Accounts: creating them, checking passwords."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Role, User
from cms.services.errors import InvalidInput

USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{2,32}")
MIN_PASSWORD_LENGTH = 10


@lru_cache(maxsize=2)
def _hasher_for(cheap: bool) -> PasswordHasher:
    # argon2id with the library's defaults (RFC 9106, low memory); the test
    # suite may ask for the cheapest profile, which is never safe in production.
    return (
        PasswordHasher.from_parameters(profiles.CHEAPEST) if cheap else PasswordHasher()
    )


def _hasher() -> PasswordHasher:
    return _hasher_for(bool(current_app.config.get("PASSWORD_HASH_CHEAP")))


@lru_cache(maxsize=2)
def _dummy_hash(cheap: bool) -> str:
    """Checked when the account does not exist, so both paths cost the same."""
    return _hasher_for(cheap).hash("not-a-real-password-for-timing")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("cms.data").joinpath("common-passwords.txt").read_text()
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line and line[0] != "#"
    )


def check_password_strength(password: str, username: str = "") -> None:
    """InvalidInput unless the password is at least 10 characters, not a common
    one, not the username, and not one character repeated."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    lowered = password.lower()
    if (
        lowered in _common_passwords()
        or lowered == username.lower()
        or len(set(password)) == 1
    ):
        raise InvalidInput("这个密码太常见，请换一个")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def normalize_email(email: str | None) -> str | None:
    """An account's e-mail address checked for shape and lower-cased; None
    for none. InvalidInput when it is not an address."""
    if email is None or not email.strip():
        return None
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput(f"邮箱格式不正确：{email.strip()}") from None
    return checked.normalized.lower()


def create_user(
    username: str,
    role: Role | str,
    password: str | None = None,
    display_name: str | None = None,
    active: bool = True,
    email: str | None = None,
) -> User:
    """Create an account. A missing password makes an account that cannot log
    in. Usernames are unique whatever their case. The optional e-mail (where
    moderation mail goes) is stored lower-case. InvalidInput for a bad or
    taken username, an unknown role, a weak password or a bad e-mail; nothing
    is stored."""
    if not USERNAME_RE.fullmatch(username or ""):
        raise InvalidInput("用户名须为 2-32 个字母、数字或 _ . - 字符")
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}") from None
    if password is not None:
        check_password_strength(password, username)
    display_name = (display_name or "").strip() or username
    if len(display_name) > 100:
        raise InvalidInput("显示名称最多 100 个字符")
    email = normalize_email(email)
    with write_transaction():
        taken = select(User.id).where(func.lower(User.username) == username.lower())
        if db.session.scalar(taken):
            raise InvalidInput(f"用户名 {username} 已被使用")
        user = User(
            username=username,
            display_name=display_name,
            role=role,
            active=active,
            email=email,
            password_hash=hash_password(password) if password is not None else None,
        )
        db.session.add(user)
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active account with this username and password, else None. Takes
    about the same time whether or not the account exists."""
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == username.lower())
    )
    stored = user.password_hash if user is not None else None
    hasher = _hasher()
    try:
        hasher.verify(stored or _dummy_hash(hasher.time_cost == 1), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or stored is None or not user.active:
        return None
    if hasher.check_needs_rehash(stored):
        with write_transaction():
            user.password_hash = hash_password(password)
    return user


def load_session_user(session_id: str) -> User | None:
    """The account a session id (`id:version`) names, if the version still holds."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user
