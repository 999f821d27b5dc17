"""Signed links that moderate one comment from an e-mail: each names the
comment, the action and the editor it was sent to, expires after 7 days and
works once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Comment, UsedToken, User
from cms.services.errors import InvalidInput, NotAllowed, NotFound, ServiceError
from cms.services.moderation import apply_action

# The actions a link may carry, with the words the e-mail and the pages use.
LINK_ACTIONS = {"approve": "批准", "spam": "垃圾", "trash": "回收站"}
LINK_MAX_AGE = timedelta(days=7)
LINK_PREFIX = "/moderation-mail"  # where cms.email_actions is registered
_SALT = "cms.moderation-mail"


class LinkInvalid(InvalidInput):
    """The link was altered, cut short or never issued by this site (400)."""


class LinkExpired(LinkInvalid):
    """The link is older than LINK_MAX_AGE (400)."""


class LinkUsed(ServiceError):
    """The link worked once already (410)."""


class CommentGone(NotFound):
    """The comment the link names was deleted for good (410)."""


class EditorRevoked(NotAllowed):
    """The editor the link was sent to may no longer moderate (403)."""


@dataclass(frozen=True)
class ModerationLink:
    """A verified, unused link: what it will do, to which comment, for whom."""

    token_id: str
    action: str
    comment: Comment
    editor: User
    issued_at: datetime

    @property
    def label(self) -> str:
        return LINK_ACTIONS[self.action]


@lru_cache(maxsize=4)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


def issue_link(comment_id: int, action: str, editor_id: int) -> str:
    """A new token (URL-safe text) for one action on one comment, for the
    editor it is mailed to; each call makes a token with its own id."""
    if action not in LINK_ACTIONS:
        raise InvalidInput(f"unknown link action {action!r}")
    payload = {"c": comment_id, "a": action, "u": editor_id,
               "t": secrets.token_urlsafe(12)}  # fmt: skip
    return _serializer().dumps(payload)


def link_url(token: str) -> str:
    """The absolute address of a token's page, under SITE_URL."""
    return f"{current_app.config['SITE_URL']}{LINK_PREFIX}/{token}"


def _verified(token: str) -> tuple[dict, datetime]:
    try:
        payload, signed_at = _serializer().loads(
            token or "", max_age=int(LINK_MAX_AGE.total_seconds()),
            return_timestamp=True,
        )  # fmt: skip
    except SignatureExpired:
        raise LinkExpired("这个链接已过期（邮件中的链接 7 天内有效）") from None
    except BadSignature:
        raise LinkInvalid("链接无效：可能复制不完整或被改动过") from None
    shape = {"c": int, "a": str, "u": int, "t": str}
    if not isinstance(payload, dict) or not all(
        type(payload.get(key)) is kind for key, kind in shape.items()
    ) or payload["a"] not in LINK_ACTIONS:  # fmt: skip
        raise LinkInvalid("链接无效：可能复制不完整或被改动过")
    return payload, signed_at.astimezone(UTC)


def read_link(token: str) -> ModerationLink:
    """The link `token` stands for, when it is genuine, unexpired and unused
    and its editor may still moderate. Raises LinkInvalid / LinkExpired (400),
    LinkUsed or CommentGone (410), EditorRevoked (403). Changes nothing."""
    payload, issued_at = _verified(token)
    if db.session.get(UsedToken, payload["t"]) is not None:
        raise LinkUsed("这个链接已经用过了，每个链接只能使用一次")
    comment = db.session.get(Comment, payload["c"])
    if comment is None:
        raise CommentGone("这条评论已被永久删除")
    editor = db.session.get(User, payload["u"])
    if editor is None or not editor.active or not editor.is_staff:
        raise EditorRevoked("收到这封邮件的账号已无权审核评论")
    return ModerationLink(payload["t"], payload["a"], comment, editor, issued_at)


@dataclass(frozen=True)
class LinkOutcome:
    """What using a link did: `changed` is False when the comment was
    already where the action would put it."""

    link: ModerationLink
    changed: bool


def use_link(token: str, actor_label: str | None = None) -> LinkOutcome:
    """Do what the link says, as the editor it was sent to, through
    moderation.apply_action (audit reason "e-mail link from <username>",
    plus `actor_label`, e.g. the client's address, in brackets), and spend
    the link in the same transaction. The errors of read_link; LinkUsed also
    when another request spent it a moment earlier."""
    link = read_link(token)
    reason = f"e-mail link from {link.editor.username}"
    if actor_label:
        reason += f" ({actor_label})"
    try:
        with write_transaction():
            db.session.add(UsedToken(token_id=link.token_id))
            db.session.flush()  # a link spent meanwhile fails here
            result = apply_action([link.comment.id], link.action, link.editor, reason)
    except IntegrityError:
        raise LinkUsed("这个链接已经用过了，每个链接只能使用一次") from None
    db.session.refresh(link.comment)  # the action's UPDATE bypassed the object
    return LinkOutcome(link, result.changed > 0)


def forget_spent_links(now: datetime) -> int:
    """Delete the record of links spent so long ago that their signature has
    expired anyway (a day's margin for servers' clocks); returns how many."""
    cutoff = now - LINK_MAX_AGE - timedelta(days=1)
    with write_transaction():
        return db.session.execute(
            delete(UsedToken).where(UsedToken.used_at < cutoff),
            execution_options={"synchronize_session": False},
        ).rowcount
