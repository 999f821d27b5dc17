"""Passwords: how strong one must be, and how it is stored and checked.

What it guarantees: a password is stored only as an argon2id hash (the
library's RFC 9106 defaults; the cheapest profile only when the app sets
PASSWORD_HASH_CHEAP, as the test suite does, or the argon2 parameters that
setting gives as a mapping, for a test that needs hashes of some cost);
checking a password never
raises, it answers False for a wrong one or a damaged hash; and checking
against no hash at all costs as much as checking a real one, so a login
does not tell whether the account exists. Accounts themselves are
cms.services.users.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from cms.models import User
from cms.services.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10


@lru_cache(maxsize=2)
def _hasher_for(cheap: bool) -> PasswordHasher:
    # argon2id with the library's defaults (RFC 9106, low memory); the test
    # suite may ask for the cheapest profile, which is never safe in production.
    return (
        PasswordHasher.from_parameters(profiles.CHEAPEST) if cheap else PasswordHasher()
    )


@lru_cache(maxsize=4)
def _hasher_with(parameters: tuple[tuple[str, int], ...]) -> PasswordHasher:
    given = dict(parameters)
    return PasswordHasher(
        time_cost=given["time_cost"],
        memory_cost=given["memory_cost"],
        parallelism=given.get("parallelism", 1),
    )


def _hasher() -> PasswordHasher:
    cheap = current_app.config.get("PASSWORD_HASH_CHEAP")
    if isinstance(cheap, Mapping):
        return _hasher_with(tuple(sorted(cheap.items())))
    return _hasher_for(bool(cheap))


@lru_cache(maxsize=4)
def _dummy_for(parameters: tuple[int, int, int, int, int]) -> str:
    time_cost, memory_cost, parallelism, hash_len, salt_len = parameters
    hasher = PasswordHasher(time_cost, memory_cost, parallelism, hash_len, salt_len)
    return hasher.hash("not-a-real-password-for-timing")


def _dummy_hash(hasher: PasswordHasher) -> str:
    """Checked when the account does not exist, so both paths cost the same:
    a hash made with the parameters real passwords are hashed with now."""
    return _dummy_for(
        (
            hasher.time_cost,
            hasher.memory_cost,
            hasher.parallelism,
            hasher.hash_len,
            hasher.salt_len,
        )
    )


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


def verify_password(user: User, password: str) -> bool:
    """Whether `password` is the account's password (False without one)."""
    if not user.password_hash:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_hash(stored: str | None, password: str) -> bool:
    """Whether `password` matches the hash `stored`. With `stored` None (no
    such account, or one without a password) a dummy hash is checked instead,
    so the answer (False) takes as long as a real check."""
    hasher = _hasher()
    try:
        hasher.verify(stored or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def needs_rehash(stored: str) -> bool:
    """Whether `stored` was made with other parameters than the ones passwords
    are hashed with now (then it should be replaced at the next login)."""
    return _hasher().check_needs_rehash(stored)
