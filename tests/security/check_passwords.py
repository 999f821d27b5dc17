"""ASVS 6.2 (passwords): a memory-hard KDF; long passwords work exactly;
common passwords refused; no account with a known password. FOUND: a
common password accepted, a long one cut or confused, a weak hash
setting, an account that opens with a password someone could guess."""

from __future__ import annotations

from importlib import resources

from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select

from cms.extensions import db
from cms.models import User
from cms.services.errors import InvalidInput
from cms.services.passwords import (
    MIN_PASSWORD_LENGTH,
    _hasher_for,
    check_password_strength,
    verify_hash,
)
from tests.security.harness import PASSWORD, Site, Tally, check, planted

# OWASP's floor for argon2id: 19 MiB, 2 iterations.
MIN_MEMORY_KIB = 19 * 1024
GUESSES = ["admin", "password", "123456", "changeme", "admin123", "demo", "cms",
           "12345678", "qwerty", "password123", "admin888", "root"]  # fmt: skip


def _common() -> list[str]:
    text = resources.files("cms.data").joinpath("common-passwords.txt").read_text()
    return [line for line in text.splitlines() if line and line[0] != "#"]


def _refused(password: str) -> bool:
    try:
        check_password_strength(password, "someone")
    except InvalidInput:
        return True
    return False


@check("passwords")
def run(site: Site) -> Tally:
    with site.context():
        return _run(site)


def _run(site: Site) -> Tally:
    tally = Tally("passwords")
    listed = _common()
    tally.attempt(len(listed) < 10_000, f"the common list has {len(listed)} entries")
    for password in listed:
        for variant in {password, password.upper(), password.capitalize()}:
            if len(variant) >= MIN_PASSWORD_LENGTH:
                tally.attempt(not _refused(variant), f"accepted common {variant!r}")
    # The production hasher (tests use a cheap one): argon2id, memory-hard.
    production: PasswordHasher = _hasher_for(False)
    params = extract_parameters(production.hash("x" * 12))
    tally.attempt(params.type.name != "ID", f"hash type {params.type.name}")
    tally.attempt(
        params.memory_cost < MIN_MEMORY_KIB, f"memory {params.memory_cost} KiB"
    )
    tally.attempt(params.time_cost < 2, f"time cost {params.time_cost}")
    # Long passwords: every character counts, none is cut.
    for length in (64, 100, 200):
        password = ("长密码-Ab1" * 40)[:length]
        stored = production.hash(password)
        tally.attempt(not verify_hash(stored, password), f"{length} characters refused")
        for near in (password[:-1], password[:-1] + "X", password + " "):
            tally.attempt(verify_hash(stored, near), f"{length}: a near miss accepted")
    # No account opens with a guessable password (the seeded site's and the
    # demo's accounts; the suite's own accounts use the suite's password).
    users = db.session.scalars(select(User)).all()
    for user in users:
        for guess in [*GUESSES, user.username, user.username + "123"]:
            if guess == PASSWORD:
                continue
            opened = verify_hash(user.password_hash, guess)
            tally.attempt(opened, f"{user.username} opens with {guess!r}")
    return tally


@planted("passwords")
def _no_common_list(site: Site, monkeypatch) -> None:
    monkeypatch.setattr("cms.services.passwords._common_passwords", frozenset)
