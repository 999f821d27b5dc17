"""Telling editors about held comments by e-mail: one message a comment, or a
digest every `moderation.email_digest_minutes` (queued by the periodic jobs).
Messages go through the outbox (cms.services.outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import Table, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from cms.database import write_transaction
from cms.events import IMPORT, CommentsChanged
from cms.extensions import db
from cms.models import Comment, CommentStatus, MailNotice, Role, User, utcnow
from cms.services.action_links import (
    LINK_ACTIONS,
    LINK_MAX_AGE,
    issue_link,
    link_url,
)
from cms.services.comment_subjects import subject_title, subject_url
from cms.services.mail import Mail, mail_configured, mail_templates
from cms.services.outbox import enqueue, enqueue_many
from cms.services.reasons import reason_text
from cms.services.settings import current_settings

DIGEST_LIMIT = 50  # comments listed in one digest; the rest by count
EXCERPT_CHARS = 300
QUEUE_PATH = "/moderation/comments?status=pending"
_CHUNK = 500


def staff_recipient_ids() -> list[int]:
    """The ids of staff_recipients() (one narrow query, no objects)."""
    return list(db.session.scalars(_staff_query(User.id)))


def _staff_query(*columns):
    return (
        select(*columns)
        .where(
            User.active.is_(True),
            User.role.in_([Role.ADMIN, Role.EDITOR]),
            User.email.is_not(None),
            User.email != "",
        )
        .order_by(User.id)
    )


def staff_recipients() -> list[User]:
    """Active editors and admins with an e-mail address, oldest account first."""
    return list(db.session.scalars(_staff_query(User)))


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
        article_title=subject_title(comment.subject),
        article_url=subject_url(comment.subject),
        excerpt=_excerpt(comment.body),
        reasons=[reason_text(r) for r in comment.reasons or []],
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
    """Record the comments as mailed, in the caller's unit of work."""
    for start in range(0, len(comment_ids), _CHUNK):
        rows = [{"comment_id": i, "sent_at": now, "in_digest": in_digest}
                for i in comment_ids[start : start + _CHUNK]]  # fmt: skip
        db.session.execute(
            insert(cast(Table, MailNotice.__table__)), rows
        )  # Core insert


HELD_KIND = "held-comment"
DIGEST_KIND = "held-digest"


def queue_held_notices(event: CommentsChanged) -> None:
    """In-transaction handler: for each comment that arrived held (a new
    comment moved to pending, not an import), queue one outbox row in the
    unit of work that stored it, and nothing else: the message goes out
    after commit, never for a rolled-back comment, and the request neither
    waits on the mail server, nor looks up the editors, nor renders the
    message (compose_held_mail does, in the sender). Nothing when MAIL_URL
    is unset or digests are on (the tick job queues those)."""
    held = [m.comment_id for m in event.moves
            if m.before is None and m.after == CommentStatus.PENDING.value]  # fmt: skip
    if not held or event.origin == IMPORT or not mail_configured():
        return
    if current_settings()["moderation.email_digest_minutes"]:
        return
    enqueue_many(HELD_KIND, [{"comment": c} for c in held])


def _recipient(editor_id: int) -> User | None:
    """The editor a queued message is for, if they still get moderation mail."""
    editor = db.session.get(User, editor_id)
    if editor is None or not editor.active or not editor.is_staff:
        return None
    return editor if editor.email else None


def compose_held_mail(payload: dict) -> list[Mail]:
    """The outbox's composer for HELD_KIND rows: the message about one held
    comment, as the comment is now, for each editor who gets moderation mail
    now (staff_recipients) and did not get it in an earlier, partly failed
    try (payload "done"); nothing once the comment was moderated or deleted.
    A row written for one editor ({"comment", "editor"}) goes to that editor."""
    comment = db.session.get(Comment, payload["comment"])
    if comment is None or comment.status != CommentStatus.PENDING:
        return []
    if "editor" in payload:
        editor = _recipient(payload["editor"])
        editors = [editor] if editor is not None else []
    else:
        editors = staff_recipients()
    done = set(payload.get("done", ()))
    return [held_mail(comment, e) for e in editors if e.email not in done]


def mark_held_sent(payloads: list[dict]) -> None:
    """The outbox's on-sent hook for HELD_KIND rows: record their comments
    as mailed (so no later digest repeats them), in the transaction that
    records the rows as sent."""
    ids = sorted({p["comment"] for p in payloads})
    already = set(
        db.session.scalars(
            select(MailNotice.comment_id).where(MailNotice.comment_id.in_(ids))
        )
    )
    _mark([i for i in ids if i not in already], in_digest=False, now=utcnow())


def compose_digest_mail(payload: dict) -> list[Mail]:
    """The outbox's composer for DIGEST_KIND rows: one editor's digest of the
    comments it names (those still held are listed; the count is of all)."""
    editor = _recipient(payload["editor"])
    if editor is None:
        return []
    ids = payload["comments"]
    shown = list(
        db.session.scalars(
            select(Comment)
            .options(joinedload(Comment.article), joinedload(Comment.page))
            .where(Comment.id.in_(ids[:DIGEST_LIMIT]))
            .order_by(Comment.id)
        )
    )
    return [digest_mail(shown, len(ids), editor)]


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
    """When digests are on and the last one was queued at least
    `moderation.email_digest_minutes` ago, queue for each staff recipient one
    digest of the held comments no message named yet (composed by
    compose_digest_mail when it is sent), and record them as mailed, in one
    transaction; returns how many comments it covered (0 when
    none was due or nothing waited). Two servers running this at once cannot
    both queue the same comments (the records' primary key refuses the
    second, which then queues nothing)."""
    minutes = current_settings()["moderation.email_digest_minutes"]
    if not minutes or not mail_configured():
        return 0
    last = _last_digest_at()
    if last is not None and now - last < timedelta(minutes=minutes):
        return 0
    editors = staff_recipient_ids()
    ids = _unmailed_held(now)
    if not editors or not ids:
        return 0
    try:
        with write_transaction():
            _mark(ids, in_digest=True, now=now)
            for editor_id in editors:
                enqueue(DIGEST_KIND, {"comments": ids, "editor": editor_id})
    except IntegrityError:
        return 0  # another server queued these
    return len(ids)
