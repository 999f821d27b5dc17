"""Commenters: their data (export, erase: PIPL requests) and bans; editors'
replies and edits from the queue."""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from cms.database import write_transaction
from cms.events import CommentMove, CommentsChanged, emit
from cms.extensions import db
from cms.models import Comment, CommentStatus, User, utcnow
from cms.services import reasons as why
from cms.services.audit import record
from cms.services.audit_privacy import forget_commenter
from cms.services.errors import InvalidInput, NotFound
from cms.services.moderation import ActionResult, apply_action
from cms.services.settings import current_settings, set_settings

ERASED_NAME = "已删除"


def comments_by_email(email: str) -> list[Comment]:
    """Every comment written with this address, oldest first."""
    address = email.strip().lower()
    if not address:
        return []
    return list(db.session.scalars(
        select(Comment).where(Comment.author_email == address)
        .order_by(Comment.created_at, Comment.id)
    ))  # fmt: skip


def export_commenter(email: str) -> dict[str, Any]:
    """Everything stored about a commenter, as a JSON-ready document."""
    comments = comments_by_email(email)
    return {
        "email": email.strip().lower(),
        "exported_at": utcnow().isoformat(),
        "comments": [
            {
                "id": c.id,
                # On an article (its public id) or else on a page (its slug).
                "article": c.article.public_id if c.article else None,
                "page": c.page.slug if c.page else None,
                "article_title": c.subject.title,
                "parent_id": c.parent_id,
                "author_name": c.author_name,
                "author_email": c.author_email,
                "author_url": c.author_url,
                "body": c.body,
                "status": c.status.value,
                "ip": c.ip,
                "user_agent": c.user_agent,
                "created_at": c.created_at.isoformat(),
            }
            for c in comments
        ],
    }


def erase_commenter(email: str, mode: str, actor: User | None) -> int:
    """Erase a commenter: `comments` deletes their comments (replies to them
    stay, detached), `personal` keeps the text but blanks name, e-mail, site,
    IP and browser. The audit log's snapshots of their comments deleted
    earlier are scrubbed the same way in the same transaction (dropped with
    `comments`; cms.services.audit_privacy). Counts stay exact; the audit
    entry records how many, not the erased data. Returns how many live
    comments were affected."""
    if mode not in ("comments", "personal"):
        raise InvalidInput("mode must be comments or personal")
    address = email.strip().lower()
    if not address:
        raise InvalidInput("请填写邮箱")
    with write_transaction():
        rows = db.session.execute(
            select(Comment.id, Comment.status, Comment.article_id, Comment.page_id)
            .where(Comment.author_email == address)
            .order_by(Comment.id).with_for_update()  # counts from these statuses
        ).all()  # fmt: skip
        ids = [r.id for r in rows]
        snapshots = forget_commenter(address, mode == "comments", ERASED_NAME)
        if not ids and not snapshots:
            return 0
        if ids and mode == "personal":
            db.session.execute(
                update(Comment).where(Comment.id.in_(ids))
                .values(author_name=ERASED_NAME, author_email="", author_url="",
                        ip=None, user_agent=None),
                execution_options={"synchronize_session": False},
            )  # fmt: skip
            emit(CommentsChanged.of_comments(rows))
        elif ids:
            db.session.execute(
                update(Comment)
                .where(Comment.parent_id.in_(ids))
                .values(parent_id=None),
                execution_options={"synchronize_session": False},
            )
            db.session.execute(Comment.__table__.delete().where(Comment.id.in_(ids)))
            gone = [CommentMove(r.id, r.article_id, r.status.value, None, r.page_id)
                    for r in rows]  # fmt: skip
            emit(CommentsChanged.of_moves(gone))
        summary = {"count": len(ids)} | ({"snapshots": snapshots} if snapshots else {})
        record(actor, f"erase-{mode}", "comment", ids, summary,
               reason="个人信息删除请求")  # fmt: skip
    return len(ids)


@dataclass(frozen=True)
class BanResult:
    """The rules added and what happened to the commenter's pending comments."""

    rules: list[str]
    marked_spam: ActionResult | None


def ban_commenter(
    comment_id: int,
    actor: User | None,
    by_email: bool = True,
    by_ip: bool = False,
    ip_range: bool = False,
    spam_pending: bool = True,
) -> BanResult:
    """Add the commenter of `comment_id` to `comments.disallowed` (e-mail,
    IP, or its /24 range — /64 for IPv6) and, if asked, mark their other
    pending comments as spam: one unit of work (one commit; a failure
    anywhere changes nothing)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(str(comment_id))
    rules = []
    if by_email and comment.author_email:
        rules.append(comment.author_email)
    if (by_ip or ip_range) and comment.ip:
        address = ipaddress.ip_address(comment.ip)
        if ip_range:
            prefix = 24 if address.version == 4 else 64
            rules.append(str(ipaddress.ip_network(f"{address}/{prefix}", strict=False)))
        else:
            rules.append(str(address))
    if not rules:
        raise InvalidInput("这条评论没有可封禁的邮箱或 IP")
    marked = None
    with write_transaction():
        existing = current_settings()["comments.disallowed"]
        lines = existing.split("\n") if existing else []
        new_rules = [r for r in rules if r not in lines]
        if new_rules:
            set_settings({"comments.disallowed": "\n".join(lines + new_rules)})
        if spam_pending:
            ids = _pending_of(comment, by_email, by_ip, ip_range)
            reason = "封禁：" + "，".join(rules)
            marked = apply_action(ids, "spam", actor, reason=reason)
        record(actor, "ban", "comment", [comment.id], {"rules": rules},
               reason="封禁评论者")  # fmt: skip
    return BanResult(rules, marked)


def _pending_of(
    comment: Comment, by_email: bool, by_ip: bool, ip_range: bool
) -> list[int]:
    """The banned comment and the pending comments the ban covers: same
    e-mail, same IP, or an IP in the banned range (matched here, not in SQL,
    so it works the same on every database)."""
    ids = {comment.id}
    if by_email and comment.author_email:
        ids.update(db.session.scalars(select(Comment.id).where(
            Comment.status == CommentStatus.PENDING,
            Comment.author_email == comment.author_email)))  # fmt: skip
    if (by_ip or ip_range) and comment.ip:
        address = ipaddress.ip_address(comment.ip)
        prefix = address.max_prefixlen
        if ip_range:
            prefix = 24 if address.version == 4 else 64
        network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        pending = select(Comment.id, Comment.ip).where(
            Comment.status == CommentStatus.PENDING, Comment.ip.is_not(None)
        )
        for comment_id, ip in db.session.execute(pending):
            with contextlib.suppress(ValueError):
                if ipaddress.ip_address(ip) in network:
                    ids.add(comment_id)
    return sorted(ids)


def reply_as(parent_id: int, body: str, actor: User) -> Comment:
    """Approve a comment (if it is not) and publish a reply to it as `actor`,
    in one unit of work."""
    body = body.strip()
    if not 2 <= len(body) <= 5000:
        raise InvalidInput("回复须为 2-5000 个字符")
    parent = db.session.get(Comment, parent_id)
    if parent is None:
        raise NotFound(str(parent_id))
    with write_transaction():
        if parent.status != CommentStatus.APPROVED:
            apply_action([parent.id], "approve", actor, reason="批准并回复")
        reply = Comment(
            article_id=parent.article_id, page_id=parent.page_id, parent_id=parent.id,
            author_name=actor.display_name, author_email=(actor.email or "").lower(),
            body=body, status=CommentStatus.APPROVED, reasons=[why.reason("staff")],
            user_id=actor.id, moderated_by_id=actor.id, moderated_at=utcnow(),
        )  # fmt: skip
        db.session.add(reply)
        db.session.flush()
        move = CommentMove(
            reply.id, parent.article_id, None, reply.status.value, parent.page_id
        )
        emit(CommentsChanged.of_moves([move]))
        record(actor, "reply", "comment", [reply.id], {"parent": parent.id})
    return reply


def edit_comment(comment_id: int, body: str, actor: User, reason: str = "") -> Comment:
    """Change a comment's text; the audit entry keeps the text before and after."""
    body = body.strip()
    if not 2 <= len(body) <= 5000:
        raise InvalidInput("评论须为 2-5000 个字符")
    with write_transaction():
        comment = db.session.get(Comment, comment_id)
        if comment is None:
            raise NotFound(str(comment_id))
        before = comment.body
        if before == body:
            return comment
        comment.body = body
        emit(CommentsChanged.of_comments([comment]))
        change = {str(comment.id): {"before": before, "after": body}}
        record(actor, "edit", "comment", [comment.id], change, reason)
    return comment


def pin_comment(comment_id: int, pinned: bool, actor: User | None) -> Comment:
    """Pin a top-level approved comment to the top of its article's comments
    (newest pin first), or unpin it. InvalidInput for a reply or a comment
    readers do not see; pinning a pinned comment changes nothing. Audited
    (`pin` / `unpin`) and announced as CommentsChanged (the page changes)."""
    with write_transaction():
        comment = db.session.get(Comment, comment_id)
        if comment is None:
            raise NotFound(str(comment_id))
        if pinned and (
            comment.parent_id is not None or comment.status != CommentStatus.APPROVED
        ):
            raise InvalidInput("只能置顶已批准的顶层评论")
        if (comment.pinned_at is not None) == pinned:
            return comment
        comment.pinned_at = utcnow() if pinned else None
        emit(CommentsChanged.of_comments([comment]))
        record(actor, "pin" if pinned else "unpin", "comment", [comment.id])
    return comment
