"""Two-factor login: a TOTP code (RFC 6238, 30-second steps, 6 digits, the
codes of the authenticator apps) after the password, or one of ten
recovery codes.

What it guarantees:
- a secret is stored only once a code made from it has been typed back
  (`enable_two_factor`), so nobody is locked out by a mistyped enrolment;
- a code opens a login once: the step it belongs to is recorded with one
  conditional UPDATE, and a code of that step or an earlier one is refused
  afterwards (parallel requests with one code: exactly one wins); the step
  before and after the current one are accepted for clocks that drift;
- the secret is stored sealed (cms.services.sealing: AES-GCM under a key
  derived from SECRET_KEY, bound to the account): a copy of the database
  does not give the codes away. A secret sealed under a retired key (listed
  in SECRET_KEY_FALLBACKS) is sealed again under the current one at its next
  accepted code; one no configured key opens accepts no code (logged), and
  the account logs in with a recovery code or is reset by the operator;
- recovery codes are random (80 bits), shown once, stored as SHA-256, and
  each opens one login (one conditional UPDATE marks it used);
- enabling, disabling and new recovery codes need a code, end every other
  session of the account (its session version), and are audited;
- admins may be required to use it (the setting `auth.admin_two_factor`):
  then they cannot turn it off, and `must_enrol` says who still has to.
How many guesses a code step gets is the login limits' business
(cms.services.logins).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any, cast

import pyotp
from sqlalchemy import CursorResult, delete, func, or_, select, update

from cms.database import write_transaction
from cms.extensions import db
from cms.models import RecoveryCode, Role, User
from cms.models.base import utcnow
from cms.services.audit import record
from cms.services.errors import FieldError, InvalidInput, NotAllowed, NotFound
from cms.services.sealing import Opened, seal, unseal
from cms.services.settings import get_setting
from cms.services.tipping import qr_svg
from cms.services.users import end_sessions

log = logging.getLogger(__name__)

REQUIRED_SETTING = "auth.admin_two_factor"
STEP_SECONDS = 30
DRIFT_STEPS = 1  # steps accepted either side of the current one
RECOVERY_CODES = 10
# Recovery codes: 16 characters of an alphabet without look-alikes (0/o,
# 1/l/i), shown in groups of four: 31^16, about 79 bits.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
WRONG_CODE = "验证码不正确或已使用，请输入验证器应用上的最新验证码"


def new_secret() -> str:
    """A fresh TOTP secret (base32, 160 bits)."""
    return pyotp.random_base32(32)


def enrol_uri(username: str, secret: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def enrol_qr(username: str, secret: str, issuer: str) -> str:
    """The enrolment QR code as inline SVG (shapes only, no text)."""
    return qr_svg(enrol_uri(username, secret, issuer)).decode()


def required_for(user: User) -> bool:
    """Whether the site requires a second factor of this account (admins,
    when the setting is on)."""
    return user.role == Role.ADMIN and bool(get_setting(REQUIRED_SETTING))


def must_enrol(user: User) -> bool:
    """Whether this account must set up two-factor login before anything
    else (required of it, not set up yet)."""
    return not user.has_two_factor and required_for(user)


def _digits(code: str) -> str:
    return "".join(code.split())


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code `code` is (the current one or one either
    side), else None. Compared in constant time."""
    code = _digits(code)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _normal_recovery(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_normal_recovery(code).encode()).hexdigest()


def _new_recovery_codes(user_id: int) -> list[str]:
    """Ten new codes for the account (the old ones deleted), inside the
    caller's write transaction; returns them in the form shown."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        db.session.add(RecoveryCode(user_id=user_id, code_hash=_recovery_hash(raw)))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def _rows(statement: Any) -> int:
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def _sealing_context(user_id: int) -> str:
    return f"totp:{user_id}"


def stored_secret(user: User) -> Opened | None:
    """The account's TOTP secret, unsealed; None when it has none or when no
    configured key opens it (logged: SECRET_KEY changed without the old one
    in SECRET_KEY_FALLBACKS, or the row was altered)."""
    if user.totp_secret is None:
        return None
    opened = unseal(user.totp_secret, _sealing_context(user.id))
    if opened is None:
        log.warning(
            "two-factor: the secret of account %s does not open with SECRET_KEY "
            "or SECRET_KEY_FALLBACKS; its codes are refused",
            user.id,
        )
    return opened


def _use_totp(user: User, code: str, now: float) -> bool:
    opened = stored_secret(user)
    step = matching_step(opened.plaintext, code, now) if opened else None
    if opened is None or step is None:
        return False
    last = User.totp_last_step
    values: dict[str, Any] = {"totp_last_step": step}
    if not opened.current_key:  # opened by a retired key: seal it anew
        values["totp_secret"] = seal(opened.plaintext, _sealing_context(user.id))
    with write_transaction():
        return (
            _rows(
                update(User)
                .where(User.id == user.id, User.totp_secret == user.totp_secret)
                .where(or_(last.is_(None), last < step))
                .values(**values)
            )
            == 1
        )


def _use_recovery_code(user: User, code: str) -> bool:
    normal = _normal_recovery(code)
    if len(normal) != 16:
        return False
    with write_transaction():
        return (
            _rows(
                update(RecoveryCode)
                .where(
                    RecoveryCode.user_id == user.id,
                    RecoveryCode.code_hash == _recovery_hash(normal),
                    RecoveryCode.used_at.is_(None),
                )
                .values(used_at=utcnow())
            )
            == 1
        )


def use_second_factor(user: User, code: str, now: float) -> bool:
    """Whether `code` opens this login: a TOTP code of the account's secret
    not used before, or an unused recovery code (which is used up)."""
    if not user.has_two_factor:
        return False
    if _digits(code).isdigit():
        return _use_totp(user, code, now)
    return _use_recovery_code(user, code)


def recovery_codes_left(user_id: int) -> int:
    """How many of the account's recovery codes are still unused."""
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def _locked(user_id: int) -> User:
    user = db.session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise NotFound(f"user {user_id}")
    return user


def enable_two_factor(user_id: int, secret: str, code: str, now: float) -> list[str]:
    """Turn two-factor login on with `secret` once `code` shows the app has
    it; returns the ten recovery codes (shown once, never again). Ends every
    session of the account (the caller logs the current one in again);
    audited as `two-factor-enable`. FieldError (`code`) for a wrong code;
    InvalidInput when it is on already."""
    step = matching_step(secret, code, now)
    if step is None:
        raise FieldError({"code": WRONG_CODE})
    with write_transaction():
        user = _locked(user_id)
        if user.has_two_factor:
            raise InvalidInput("两步验证已经开启")
        user.totp_secret = seal(secret, _sealing_context(user.id))
        user.totp_last_step = step
        codes = _new_recovery_codes(user.id)
        end_sessions(user)
        record(user, "two-factor-enable", "user", [user.id], {"sessions": "ended"})
    return codes


def _check_code(user: User, code: str, now: float) -> None:
    if not use_second_factor(user, code, now):
        raise FieldError({"code": WRONG_CODE})


def disable_two_factor(user_id: int, code: str, now: float) -> User:
    """Turn two-factor login off after a code (or recovery code) of it; ends
    every session of the account; audited as `two-factor-disable`.
    NotAllowed when the site requires it of the account; FieldError (`code`)."""
    user = db.session.get(User, user_id)
    if user is None or not user.has_two_factor:
        raise InvalidInput("两步验证没有开启")
    if required_for(user):
        raise NotAllowed("本站要求管理员使用两步验证，不能关闭")
    _check_code(user, code, now)
    with write_transaction():
        user = _locked(user_id)
        user.totp_secret, user.totp_last_step = None, None
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        end_sessions(user)
        record(user, "two-factor-disable", "user", [user.id], {"sessions": "ended"})
    return user


def reset_two_factor(username: str) -> User:
    """Turn two-factor login off without a code: the server operator's way
    (`flask cms reset-two-factor`) for someone who lost both the phone and the
    recovery codes. Deletes the secret and the recovery codes, ends every
    session of the account; audited as `two-factor-reset`. An admin the site
    requires it of is sent to enrol again at the next login. NotFound for an
    unknown username; InvalidInput when it is not on."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username}")
    if not user.has_two_factor:
        raise InvalidInput(f"{username} 没有开启两步验证")
    with write_transaction():
        user = _locked(user.id)
        user.totp_secret, user.totp_last_step = None, None
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        end_sessions(user)
        record(None, "two-factor-reset", "user", [user.id], {"sessions": "ended"})
    return user


def renew_recovery_codes(user_id: int, code: str, now: float) -> list[str]:
    """Ten new recovery codes after a code of the account (the old ones stop
    working); audited as `two-factor-codes`. FieldError (`code`)."""
    user = db.session.get(User, user_id)
    if user is None or not user.has_two_factor:
        raise InvalidInput("两步验证没有开启")
    _check_code(user, code, now)
    with write_transaction():
        codes = _new_recovery_codes(user.id)
        record(
            user, "two-factor-codes", "user", [user.id], {"recovery_codes": "renewed"}
        )
    return codes
