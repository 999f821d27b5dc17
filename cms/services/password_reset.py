"""Forgotten passwords: a signed link by e-mail that expires after an hour,
works once, and dies as soon as the password changes another way."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cms.database import write_transaction
from cms.extensions import db
from cms.models import UsedToken, User
from cms.services.action_links import LinkExpired, LinkInvalid, LinkUsed
from cms.services.audit import record
from cms.services.errors import FieldError, InvalidInput, NotFound
from cms.services.mail import Mail, mail_configured, mail_templates
from cms.services.outbox import enqueue, enqueue_mail
from cms.services.passwords import check_password_strength, hash_password
from cms.services.settings import current_settings
from cms.services.users import check_field, replace_password

RESET_MAX_AGE = timedelta(hours=1)
RESET_PATH = "/auth/reset"  # where the auth blueprint answers the links
_SALT = "cms.password-reset"
_INVALID = "链接无效：可能复制不完整或被改动过"
_USED = "链接已使用：每个重置链接只能用一次"
_STALE = "链接已失效：密码在链接发出后已经改过，或账号已停用。请重新申请。"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def password_fingerprint(user: User) -> str:
    """A keyed digest of the account's password hash: any new password (and
    so any earlier reset) changes it, and it reveals nothing of the hash."""
    key = current_app.config["SECRET_KEY"].encode()
    stored = (user.password_hash or "").encode()
    return hmac.new(key, stored, hashlib.sha256).hexdigest()[:24]


def issue_token(user: User) -> str:
    """A new reset token for the account: its id, its password's fingerprint
    and a random token id (each call makes another), signed with the time."""
    payload = {"u": user.id, "f": password_fingerprint(user),
               "t": secrets.token_urlsafe(12)}  # fmt: skip
    return _serializer().dumps(payload)


def reset_url(token: str) -> str:
    """The absolute address of a reset link, under SITE_URL (never Host)."""
    return f"{current_app.config['SITE_URL']}{RESET_PATH}/{token}"


def _payload(token: str) -> dict:
    try:
        payload = _serializer().loads(
            token or "", max_age=int(RESET_MAX_AGE.total_seconds())
        )
    except SignatureExpired:
        raise LinkExpired("链接已过期：重置链接 1 小时内有效，请重新申请。") from None
    except BadSignature:
        raise LinkInvalid(_INVALID) from None
    shape = {"u": int, "f": str, "t": str}
    if not isinstance(payload, dict) or not all(
        type(payload.get(key)) is kind for key, kind in shape.items()
    ):
        raise LinkInvalid(_INVALID)
    return payload


def _account_of(payload: dict, lock: bool = False) -> User:
    """The account of a verified payload, if the link is unused and still
    fits its password. With `lock` (inside the write) the row is locked and
    read afresh first, so a reset that committed meanwhile is seen: its
    spent token (LinkUsed), not only its new hash."""
    user = db.session.get(
        User, payload["u"], with_for_update=lock, populate_existing=lock
    )
    if db.session.get(UsedToken, payload["t"]) is not None:
        raise LinkUsed(_USED)
    if (
        user is None
        or not user.active
        or not user.password_hash
        or not hmac.compare_digest(password_fingerprint(user), payload["f"])
    ):
        raise LinkInvalid(_STALE)
    return user


def read_token(token: str) -> User:
    """The account a genuine, unexpired, unused reset token names, while its
    password is still the one the link was made for. LinkInvalid (altered
    or stale: 400), LinkExpired (older than an hour: 400), LinkUsed (410).
    Changes nothing."""
    return _account_of(_payload(token))


def reset_password(token: str, password: str) -> User:
    """Set the password a valid token allows, end every session of the
    account and spend the token, in one transaction; audited as
    `password-reset-by-mail`. The errors of read_token (LinkUsed also when
    another request spent it a moment earlier); FieldError (password) for
    a weak password, the token left unspent."""
    payload = _payload(token)
    user = _account_of(payload)
    errors: dict[str, str] = {}
    check_field(errors, "password", check_password_strength, password, user.username)
    if errors:
        raise FieldError(errors)
    new_hash = hash_password(password)
    try:
        with write_transaction():
            user = _account_of(payload, lock=True)
            db.session.add(UsedToken(token_id=payload["t"]))
            db.session.flush()
            replace_password(user, new_hash)
            record(user, "password-reset-by-mail", "user", [user.id],
                   {"sessions": "ended"}, reason="通过邮件链接重置密码")  # fmt: skip
    except IntegrityError:
        raise LinkUsed(_USED) from None
    return user


def _reset_mail(user: User, token: str) -> Mail:
    site = current_settings()["site.name"]
    text = mail_templates().get_template("email/password_reset.txt").render(
        site_name=site, user=user, url=reset_url(token),
        minutes=int(RESET_MAX_AGE.total_seconds() // 60),
    )  # fmt: skip
    return Mail(to=user.email or "", subject=f"[{site}] 重置密码", text=text)


def _accounts_named(identifier: str) -> list[User]:
    """Active accounts with a password and an address that `identifier`
    names: a username (any case) or an e-mail address (any case)."""
    wanted = (identifier or "").strip().lower()
    if not wanted:
        return []
    named = (
        func.lower(User.email) == wanted
        if "@" in wanted  # usernames cannot hold one
        else func.lower(User.username) == wanted
    )
    return list(
        db.session.scalars(
            select(User)
            .where(
                named,
                User.active.is_(True),
                User.password_hash.is_not(None),
                User.email.is_not(None),
                User.email != "",
            )
            .order_by(User.id)
        )
    )


RESET_KIND = "password-reset"


def request_reset(identifier: str) -> None:
    """Ask for reset links for whatever accounts `identifier` (a username or
    an e-mail address) names. The request only writes one outbox row holding
    what was typed, the same work whether or not such an account exists; the
    sender resolves it later (compose_reset_mails). Nothing is written when
    MAIL_URL is unset."""
    enqueue(RESET_KIND, {"identifier": (identifier or "").strip()[:254]})


def compose_reset_mails(payload: dict) -> list[Mail]:
    """The outbox's composer for RESET_KIND rows: one message with a fresh
    link to every active account with a password and an address that the
    typed identifier names (none: nothing is sent)."""
    accounts = _accounts_named(payload.get("identifier", ""))
    return [_reset_mail(user, issue_token(user)) for user in accounts]


def send_reset_link(user_id: int, actor: User) -> None:
    """An admin mails an account its reset link (audited `user-reset-link`;
    the password stays until the link is used; the message goes out through
    the outbox). InvalidInput when e-mail is off, the account has no address,
    no password or is inactive; NotFound for an unknown id."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    if not mail_configured():
        raise InvalidInput("网站没有设置邮件服务器（MAIL_URL），无法发送邮件")
    if not user.email:
        raise InvalidInput("这个账号没有设置邮箱，请直接为它设置新密码")
    if not user.active or not user.password_hash:
        raise InvalidInput("这个账号已停用或不能登录，无法发送重置链接")
    with write_transaction():
        enqueue_mail([_reset_mail(user, issue_token(user))])
        record(actor, "user-reset-link", "user", [user.id], {"email": user.email})
