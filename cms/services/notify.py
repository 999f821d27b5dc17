"""Telling editors about held comments by e-mail: one message a comment, or a
digest every `moderation.email_digest_minutes` (sent by the periodic jobs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Comment, CommentStatus, MailNotice, Role, User, utcnow
from cms.services.action_links import (
    LINK_ACTIONS,
    LINK_MAX_AGE,
    issue_link,
    link_url,
)
from cms.services.attribution import canonical_url
from cms.services.mail import Mail, mail_configured, mail_templates, send_mail
from cms.services.settings import current_settings
from cms.text.reasons import reason_label

DIGEST_LIMIT = 50  # comments listed in one digest; the rest by count
EXCERPT_CHARS = 300
QUEUE_PATH = "/moderation/comments?status=pending"
_CHUNK = 500


def staff_recipients() -> list[User]:
    """Active editors and admins with an e-mail address, oldest account first."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.role.in_([Role.ADMIN, Role.EDITOR]),
                User.email.is_not(None),
                User.email != "",
            )
            .order_by(User.id)
        )
    )


def _excerpt(body: str) -> str:
    text = body.strip()
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


@dataclass(frozen=True)
class HeldItem:
    """What a message says about one held comment, for one editor."""

    comment: Comment
    article_title: str
    article_url: str
    excerpt: str
    reasons: list[str]
    links: dict[str, str]  # label (批准 / 垃圾 / 回收站) -> absolute URL


def _item(comment: Comment, editor: User) -> HeldItem:
    return HeldItem(
        comment=comment,
        article_title=" ".join(comment.article.title.split()),
        article_url=canonical_url(comment.article),
        excerpt=_excerpt(comment.body),
        reasons=[reason_label(r) for r in comment.reasons or []],
        links={
            label: link_url(issue_link(comment.id, action, editor.id))
            for action, label in LINK_ACTIONS.items()
        },
    )


def _render(name: str, **context) -> str:
    site = current_settings()["site.name"]
    queue_url = current_app.config["SITE_URL"] + QUEUE_PATH
    template = mail_templates().get_template(name)
    return template.render(
        site_name=site, queue_url=queue_url, link_days=LINK_MAX_AGE.days, **context
    )


def held_mail(comment: Comment, editor: User) -> Mail:
    """The message about one held comment, with links for `editor`."""
    item = _item(comment, editor)
    site = current_settings()["site.name"]
    return Mail(
        to=editor.email or "",
        subject=f"[{site}] 新评论待审核：《{item.article_title}》",
        text=_render("email/held_comment.txt", item=item, editor=editor),
    )


def digest_mail(comments: list[Comment], total: int, editor: User) -> Mail:
    """The digest of `total` held comments, listing `comments`, for `editor`."""
    items = [_item(c, editor) for c in comments]
    site = current_settings()["site.name"]
    return Mail(
        to=editor.email or "",
        subject=f"[{site}] {total} 条新评论待审核",
        text=_render(
            "email/digest.txt", items=items, total=total,
            more=total - len(items), editor=editor,
        ),
    )  # fmt: skip


def _mark(comment_ids: list[int], in_digest: bool, now: datetime) -> None:
    """Record the comments as mailed (IntegrityError when one already is)."""
    with write_transaction():
        for start in range(0, len(comment_ids), _CHUNK):
            rows = [{"comment_id": i, "sent_at": now, "in_digest": in_digest}
                    for i in comment_ids[start : start + _CHUNK]]  # fmt: skip
            db.session.execute(insert(MailNotice), rows)


def _unmark(comment_ids: list[int]) -> None:
    with write_transaction():
        for start in range(0, len(comment_ids), _CHUNK):
            db.session.execute(
                delete(MailNotice).where(
                    MailNotice.comment_id.in_(comment_ids[start : start + _CHUNK])
                ),
                execution_options={"synchronize_session": False},
            )


def notify_held(comment: Comment) -> None:
    """Mail every staff recipient about a comment just held for moderation,
    when MAIL_URL is set and digests are off. Call after the comment is
    committed. Never raises: whatever fails is logged."""
    if not mail_configured():
        return
    comment_id = comment.id
    try:
        if current_settings()["moderation.email_digest_minutes"]:
            return
        editors = staff_recipients()
        if not editors:
            return
        if send_mail([held_mail(comment, editor) for editor in editors]):
            _mark([comment_id], in_digest=False, now=utcnow())
    except Exception:
        db.session.rollback()
        current_app.logger.exception("e-mail about comment %s failed", comment_id)


def _last_digest_at() -> datetime | None:
    return db.session.scalar(
        select(func.max(MailNotice.sent_at)).where(MailNotice.in_digest.is_(True))
    )


def _unmailed_held(now: datetime) -> list[int]:
    """Held comments of the last LINK_MAX_AGE that no message named yet."""
    mailed = exists().where(MailNotice.comment_id == Comment.id)
    return list(
        db.session.scalars(
            select(Comment.id)
            .where(
                Comment.status == CommentStatus.PENDING,
                Comment.created_at >= now - LINK_MAX_AGE,
                ~mailed,
            )
            .order_by(Comment.id)
        )
    )


def send_due_digest(now: datetime) -> int:
    """When digests are on and the last one went out at least
    `moderation.email_digest_minutes` ago, mail each staff recipient one
    digest of the held comments no message named yet; returns how many
    comments it covered (0 when none was due or nothing waited).

    The comments are recorded as mailed before sending (a second server
    running this at once then finds them taken and sends nothing); when no
    message at all gets through, the record is undone so the next run tries
    again."""
    minutes = current_settings()["moderation.email_digest_minutes"]
    if not minutes or not mail_configured():
        return 0
    last = _last_digest_at()
    if last is not None and now - last < timedelta(minutes=minutes):
        return 0
    editors = staff_recipients()
    ids = _unmailed_held(now)
    if not editors or not ids:
        return 0
    try:
        _mark(ids, in_digest=True, now=now)
    except IntegrityError:
        return 0  # another server is sending these
    try:
        shown = list(
            db.session.scalars(
                select(Comment)
                .options(joinedload(Comment.article))
                .where(Comment.id.in_(ids[:DIGEST_LIMIT]))
                .order_by(Comment.id)
            )
        )
        mails = [digest_mail(shown, len(ids), editor) for editor in editors]
        sent = send_mail(mails)
    except Exception:
        db.session.rollback()
        _unmark(ids)
        raise
    if not sent:
        _unmark(ids)
        return 0
    return len(ids)
