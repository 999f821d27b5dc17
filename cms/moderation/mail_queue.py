"""The outbox as admins see it: what the site tried to mail, what failed and
why, and a button to send a failed message again."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from cms.models import OutboxMessage, OutboxStatus, Role
from cms.moderation.views import bp, open_to
from cms.services.outbox import outbox_counts, recent_messages, retry_message

KIND_LABELS = {
    "held-comment": "待审评论通知",
    "held-digest": "待审评论汇总",
    "password-reset": "重置密码链接",
    "mail": "邮件",
    "reply-notice": "回复提醒",
    "comment-owner-mail": "新评论通知",
    "comment-webhook": "新评论 Webhook",
}
STATUS_LABELS = {
    OutboxStatus.PENDING: "等待发送",
    OutboxStatus.SENDING: "发送中",
    OutboxStatus.SENT: "已发送",
    OutboxStatus.FAILED: "发送失败",
    OutboxStatus.DROPPED: "无需发送",
}


def describe(row: OutboxMessage) -> str:
    """One line saying what the message is about, from its payload."""
    payload = row.payload or {}
    if row.kind == "mail":
        return f"{payload.get('to', '')}：{payload.get('subject', '')}"
    if row.kind == "held-comment":
        return f"评论 #{payload.get('comment')}"
    if row.kind == "held-digest":
        return f"{len(payload.get('comments') or [])} 条评论"
    if row.kind == "reply-notice":
        return f"回复 #{payload.get('reply')}"
    if row.kind in ("comment-owner-mail", "comment-webhook"):
        return f"评论 #{payload.get('comment')}"
    if row.kind == "password-reset":
        return str(payload.get("identifier", ""))
    return ""


@bp.get("/mail")
@open_to(Role.ADMIN)
def mail_queue():
    return render_template(
        "moderation/mail_queue.html",
        rows=recent_messages(),
        counts=outbox_counts(),
        kind_labels=KIND_LABELS,
        outbox_status_labels=STATUS_LABELS,
        describe=describe,
    )


@bp.post("/mail/<int:message_id>/retry")
@open_to(Role.ADMIN)
def mail_retry(message_id: int):
    retry_message(message_id)
    flash(f"邮件 #{message_id} 已重新排队发送。", "success")
    return redirect(url_for("moderation.mail_queue"), 303)
