"""Accounts: creating them, logging in, and what admins change about them
(role, address, name, activation, password). How passwords are checked for
strength, hashed and verified is cms.services.passwords."""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from cms.database import write_transaction
from cms.events import UserChanged, emit
from cms.extensions import db
from cms.models import Article, Role, User
from cms.services.audit import record
from cms.services.errors import FieldError, InvalidInput, NotAllowed, NotFound
from cms.services.passwords import (
    check_password_strength,
    hash_password,
    needs_rehash,
    verify_hash,
)
from cms.text.names import clean_name

USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{2,32}")
MAX_DISPLAY_NAME = 100


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


def clean_display_name(display_name: str | None, fallback: str = "") -> str:
    """The display name cleaned (cms.text.names.clean_name: no control,
    bidi or zero-width characters, spaces collapsed; `fallback` when empty);
    InvalidInput when longer than MAX_DISPLAY_NAME or still empty."""
    cleaned = clean_name(display_name) or fallback
    if not cleaned:
        raise InvalidInput("请填写显示名称")
    if len(cleaned) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"显示名称最多 {MAX_DISPLAY_NAME} 个字符")
    return cleaned


def check_field(errors: dict[str, str], field: str, check, *args):
    """check(*args); its InvalidInput is recorded as errors[field] instead of
    raised (and None returned), so a form can show every error at once."""
    try:
        return check(*args)
    except InvalidInput as error:
        errors.setdefault(field, str(error))
        return None


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(f"unknown role {value!r}") from None


def _new_user(
    username: str,
    role: Role | str,
    password: str | None,
    display_name: str | None,
    active: bool,
    email: str | None,
) -> User:
    """An unsaved account with every rule but the unique name checked;
    FieldError (username, role, password, display_name, email) otherwise."""
    errors: dict[str, str] = {}
    if not USERNAME_RE.fullmatch(username or ""):
        errors["username"] = "用户名须为 2-32 个字母、数字或 _ . - 字符"
    role = check_field(errors, "role", _role, role)
    if password is not None:
        check_field(errors, "password", check_password_strength, password, username)
    name = check_field(
        errors, "display_name", clean_display_name, display_name, username
    )
    email = check_field(errors, "email", normalize_email, email)
    if errors:
        raise FieldError(errors)
    return User(
        username=username,
        display_name=name,
        role=role,
        active=active,
        email=email,
        password_hash=hash_password(password) if password is not None else None,
    )


def _insert(user: User) -> None:
    """Add `user` inside the caller's write transaction; FieldError when the
    name is taken whatever its case."""
    taken = select(User.id).where(func.lower(User.username) == user.username.lower())
    if db.session.scalar(taken):
        raise FieldError({"username": f"用户名 {user.username} 已被使用"})
    db.session.add(user)
    db.session.flush()
    emit(UserChanged(user.id, frozenset({"created"})))


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
    moderation mail goes) is stored lower-case. InvalidInput (FieldError)
    for a bad or taken username, an unknown role, a weak password or a bad
    e-mail; nothing is stored."""
    user = _new_user(username, role, password, display_name, active, email)
    with write_transaction():
        _insert(user)
    return user


def create_account(
    actor: User,
    username: str,
    role: Role | str,
    password: str,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """create_user for an admin's form: an active account with a password,
    audited as `user-create` (never the password). FieldError as there."""
    user = _new_user(username, role, password, display_name, True, email)
    with write_transaction():
        _insert(user)
        record(actor, "user-create", "user", [user.id], {
            "username": user.username, "role": user.role.value,
            "display_name": user.display_name, "email": user.email,
        })  # fmt: skip
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active account with this username and password, else None. Takes
    about the same time whether or not the account exists."""
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == username.lower())
    )
    stored = user.password_hash if user is not None else None
    if not verify_hash(stored, password):
        return None
    if user is None or stored is None or not user.active:
        return None
    if needs_rehash(stored):
        with write_transaction():
            user.password_hash = hash_password(password)
    return user


def known_username(username: str) -> str | None:
    """The username of the account `username` names (any case), else None:
    what a log may keep of a failed login (a password typed into the
    username field names no account and is never kept). Text no username
    could be (a NUL byte, which PostgreSQL refuses) is not looked up."""
    if not USERNAME_RE.fullmatch(username):
        return None
    return db.session.scalar(
        select(User.username).where(func.lower(User.username) == username.lower())
    )


# -- the admins' users page ----------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    """One line of the users page."""

    user: User
    article_count: int


def list_accounts() -> list[AccountRow]:
    """Every account by username (any case), with how many articles it owns
    (whatever their status)."""
    counts = (
        select(Article.owner_id, func.count(Article.id).label("n"))
        .group_by(Article.owner_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.owner_id == User.id)
        .order_by(func.lower(User.username))
    )
    return [AccountRow(user, count) for user, count in rows]


def get_account(user_id: int) -> User:
    """The account `user_id` names; NotFound otherwise."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    return user


@dataclass(frozen=True)
class AccountEdit:
    """What the admin's form says an account should be."""

    display_name: str
    email: str | None
    role: Role | str
    active: bool


def _locked_for_admin_change(user_id: int) -> tuple[User, int]:
    """The account (row locked) and how many active admins there are. The
    admins' rows are locked first, in id order, so that two admins demoting
    each other at once cannot both succeed (and cannot deadlock)."""
    admins = db.session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN, User.active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    user = db.session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise NotFound(f"user {user_id}")
    return user, len(admins)


def _protect_admins(user: User, actor: User, role: Role, active: bool, admins: int):
    """FieldError when the edit would lock the site out of administration:
    an admin demoting or deactivating themselves, or the last active admin
    losing the role or the account."""
    errors: dict[str, str] = {}
    if user.id == actor.id:
        if role != user.role:
            errors["role"] = "不能更改自己的角色，请让另一位管理员操作"
        if not active and user.active:
            errors["active"] = "不能停用自己的账号"
    leaving = role != Role.ADMIN or not active
    was_admin = user.role == Role.ADMIN and user.active
    if not errors and was_admin and leaving and admins <= 1:
        field = "role" if role != Role.ADMIN else "active"
        errors[field] = "这是最后一个启用的管理员账号，不能降级或停用"
    if errors:
        raise FieldError(errors)


def edit_account(user_id: int, actor: User, edit: AccountEdit) -> list[str]:
    """Apply an admin's edit of one account in one transaction and return the
    audit actions recorded (none when nothing changed): `user-update` (display
    name, e-mail), `user-role`, `user-deactivate` / `user-activate`, each with
    its fields' from/to. Deactivating ends every session of the account at
    once. FieldError for bad values and for the admin protections
    (_protect_admins); NotFound for an unknown id. Nothing changes on error."""
    errors: dict[str, str] = {}
    name = check_field(errors, "display_name", clean_display_name, edit.display_name)
    email = check_field(errors, "email", normalize_email, edit.email)
    role = check_field(errors, "role", _role, edit.role)
    if errors:
        raise FieldError(errors)
    actions = []
    with write_transaction():
        user, admins = _locked_for_admin_change(user_id)
        _protect_admins(user, actor, role, edit.active, admins)
        details = {
            key: {"from": getattr(user, key), "to": value}
            for key, value in (("display_name", name), ("email", email))
            if getattr(user, key) != value
        }
        if details:
            user.display_name, user.email = name, email
            actions.append(("user-update", details))
        if role != user.role:
            actions.append(("user-role", {"role": {"from": user.role.value,
                                                   "to": role.value}}))  # fmt: skip
            user.role = role
        if edit.active != user.active:
            action = "user-activate" if edit.active else "user-deactivate"
            actions.append((action, {"active": {"from": user.active,
                                                "to": edit.active}}))  # fmt: skip
            user.active = edit.active
            if not edit.active:
                end_sessions(user)
        for action, changes in actions:
            record(actor, action, "user", [user.id], changes)
        if actions:
            fields = {key for _, changes in actions for key in changes}
            emit(UserChanged(user.id, frozenset(fields)))
    return [action for action, _ in actions]


def set_password_by_admin(user_id: int, actor: User, password: str) -> User:
    """Give another account a new password (the admin typed it) and end all
    of its sessions; audited as `user-password-reset` (never the password).
    NotAllowed for the admin's own account (that needs the current password:
    the password page); FieldError (password) for a weak one; NotFound."""
    if user_id == actor.id:
        raise NotAllowed("自己的密码请在“修改密码”页面修改")
    user = get_account(user_id)
    errors: dict[str, str] = {}
    check_field(errors, "password", check_password_strength, password, user.username)
    if errors:
        raise FieldError(errors)
    new_hash = hash_password(password)
    with write_transaction():
        user = db.session.get(User, user_id, with_for_update=True)
        if user is None:
            raise NotFound(f"user {user_id}")
        replace_password(user, new_hash)
        record(actor, "user-password-reset", "user", [user.id],
               {"sessions": "ended"}, reason="管理员设置了新密码")  # fmt: skip
    return user


def replace_password(user: User, new_hash: str) -> None:
    """Store a new password hash and end every session of the account. Call
    inside the caller's write transaction."""
    user.password_hash = new_hash
    end_sessions(user)
    emit(UserChanged(user.id, frozenset({"password"})))


def end_sessions(user: User) -> None:
    """Invalidate every credential issued to the account: session cookies and
    remember-me cookies name the version (cms.services.sessions), and
    `load_session_user` refuses an old one. Call inside the caller's write
    transaction (logout, password change or reset, deactivation and
    two-factor changes all come here)."""
    user.session_version += 1


def log_out_everywhere(user_id: int) -> None:
    """End every session and remember-me cookie of the account (logout): a
    cookie copied before the logout opens nothing afterwards."""
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is not None:
            end_sessions(user)
