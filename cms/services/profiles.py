"""What people change about their own account: the profile shown on their
author page (name, bio, avatar, pay links, address) and their password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PIL import Image

from cms.database import write_transaction
from cms.events import UserChanged, emit
from cms.extensions import db
from cms.models import User
from cms.services.address_limits import claim_address, release_address
from cms.services.audit import record
from cms.services.errors import FieldError, InvalidInput, NotFound
from cms.services.media import MAX_UPLOAD_BYTES, load_image, store_image
from cms.services.passwords import (
    check_password_strength,
    hash_password,
    verify_password,
)
from cms.services.pay_qr import link_from_image
from cms.services.users import (
    check_field,
    clean_display_name,
    normalize_email,
    replace_password,
)
from cms.text.paylinks import check_pay_link

MAX_BIO = 2000
AVATAR_FORMATS = ("PNG", "JPEG", "WEBP")
# Avatars are shown at most a few hundred pixels wide: 2000 x 2000 is plenty,
# and it bounds what checking an upload costs (a 16-bit PNG of the general
# 16-megapixel limit takes a second or more to decode; this, a quarter).
AVATAR_MAX_PIXELS = 4_000_000
# The profile's columns, in the order the audit entry lists them.
PROFILE_FIELDS = ("display_name", "bio", "email", "avatar", "tip_wechat", "tip_alipay")


@dataclass(frozen=True)
class ProfileInput:
    """The profile form as plain values. A QR image, when given, replaces
    the typed link of the same app; `avatar` is a new picture's bytes."""

    display_name: str
    bio: str
    email: str
    tip_wechat: str
    tip_alipay: str
    avatar: bytes | None = None
    remove_avatar: bool = False
    wechat_qr: bytes | None = None
    alipay_qr: bytes | None = None


def _bio(text: str) -> str:
    bio = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(bio) > MAX_BIO:
        raise InvalidInput(f"个人简介最多 {MAX_BIO} 个字符")
    return bio


def _pay_link(typed: str, qr: bytes | None) -> str:
    """The typed link, or the one a QR image holds; checked either way."""
    link = link_from_image(qr) if qr else typed
    try:
        return check_pay_link(link)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


def _validated(data: ProfileInput) -> tuple[dict[str, Any], Image.Image | None]:
    """The new values of the profile's columns, avatar excepted, and the new
    avatar decoded once (None without one); FieldError naming every field at
    fault (the avatar and QR images included)."""
    errors: dict[str, str] = {}
    values = {
        "display_name": check_field(
            errors, "display_name", clean_display_name, data.display_name
        ),
        "bio": check_field(errors, "bio", _bio, data.bio),
        "email": check_field(errors, "email", normalize_email, data.email),
    }
    for app in ("wechat", "alipay"):
        qr = getattr(data, f"{app}_qr")
        field = f"{app}_qr" if qr else f"tip_{app}"
        typed = getattr(data, f"tip_{app}")
        values[f"tip_{app}"] = check_field(errors, field, _pay_link, typed, qr)
    avatar = None
    if data.avatar:
        avatar = check_field(errors, "avatar", load_image, data.avatar,
                             MAX_UPLOAD_BYTES, AVATAR_FORMATS,
                             AVATAR_MAX_PIXELS)  # fmt: skip
    if errors:
        raise FieldError(errors)
    return values, avatar


def update_profile(user_id: int, data: ProfileInput) -> dict[str, dict]:
    """Store the account's own profile and return what changed, field by
    field ({"from": …, "to": …}); one `profile-update` audit entry (by the
    account itself) lists exactly those fields, and none is written when
    nothing changed. Display name 1-100 characters, bio plain text up to
    2000, e-mail optional, pay links as check_pay_link accepts (or read from
    a QR image), avatar PNG, JPEG or WEBP up to 2 MB and 4 megapixels (or
    removed), its pixels decoded once. FieldError naming each bad field;
    then nothing is stored."""
    values, avatar = _validated(data)
    if data.avatar:  # by content: no orphans
        values["avatar"] = store_image(data.avatar, checked=avatar)
    elif data.remove_avatar:
        values["avatar"] = ""
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id}")
        changes = {
            key: {"from": getattr(user, key), "to": values[key]}
            for key in PROFILE_FIELDS
            if key in values and getattr(user, key) != values[key]
        }
        for key, change in changes.items():
            setattr(user, key, change["to"])
        if changes:
            record(user, "profile-update", "user", [user.id], changes)
            emit(UserChanged(user.id, frozenset(changes)))
    return changes


def change_own_password(user_id: int, current: str, new: str, address: str) -> User:
    """Replace the account's password after checking the current one, and end
    every session of it (the caller logs the current one in again with the
    new session version); audited as `password-change`. FieldError:
    `current_password` when it is wrong, `new_password` when weak. A wrong
    current password counts against the client address's failure limit
    (claimed before the check: cms.services.address_limits);
    AddressThrottled while it is full."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    claim_address("password", address)
    if not verify_password(user, current):
        raise FieldError({"current_password": "当前密码不正确"})
    release_address("password", address)
    errors: dict[str, str] = {}
    check_field(errors, "new_password", check_password_strength, new, user.username)
    if not errors and new == current:
        errors["new_password"] = "新密码不能与当前密码相同"
    if errors:
        raise FieldError(errors)
    new_hash = hash_password(new)
    with write_transaction():
        user = db.session.get(User, user_id, with_for_update=True)
        replace_password(user, new_hash)
        record(user, "password-change", "user", [user.id], {"sessions": "ended"})
    return user
