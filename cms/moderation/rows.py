"""What an editor does to one comment of the queue besides changing its
status: reply to it (approving it), edit its text, ban its author."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from cms.extensions import db
from cms.forms import submission_key
from cms.models import Comment
from cms.moderation.answers import back_to_queue, first_error, report
from cms.moderation.forms import (
    BanForm,
    EditForm,
    PinForm,
    QueueFilterForm,
    ReplyForm,
)
from cms.moderation.views import bp
from cms.services import submissions
from cms.services.commenters import (
    ban_commenter,
    edit_comment,
    pin_comment,
    reply_as,
)
from cms.text.local_path import safe_next


def _query() -> QueueFilterForm:
    return QueueFilterForm(formdata=request.args)


@bp.post("/comments/<int:comment_id>/reply")
def reply(comment_id: int):
    """Approve the comment (if it waits) and publish the editor's reply."""
    query, form = _query(), ReplyForm()
    if not form.validate():
        flash(first_error(form), "error")
        return back_to_queue(query)
    submissions.once(  # sent twice (a double click): one reply
        "reply",
        f"user:{current_user.id}",
        submission_key(),
        lambda: reply_as(comment_id, form.body.data, current_user),
        Comment,
    )
    flash("已批准并发布回复。", "success")
    return back_to_queue(query)


@bp.post("/comments/<int:comment_id>/pin")
def pin(comment_id: int):
    """Pin (pinned=1) or unpin (pinned=0) a top-level approved comment."""
    query, form = _query(), PinForm()
    if not form.validate():
        flash(first_error(form), "error")
        return back_to_queue(query)
    pinned = form.pinned.data == "1"
    pin_comment(comment_id, pinned, current_user)
    flash("评论已置顶。" if pinned else "已取消置顶。", "success")
    return back_to_queue(query)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit(comment_id: int):
    """Change a comment's text (the audit log keeps before and after)."""
    comment = db.get_or_404(Comment, comment_id)
    form = EditForm(obj=comment)
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        edit_comment(comment_id, form.body.data, current_user, form.reason.data)
        flash("评论已修改。", "success")
        target = safe_next(form.next.data)
        return redirect(target or url_for("moderation.comment_queue"), 303)
    status = 400 if form.errors else 200
    return render_template("moderation/edit.html", comment=comment, form=form), status


@bp.post("/comments/<int:comment_id>/ban")
def ban(comment_id: int):
    """Add the author's e-mail, IP or IP range to comments.disallowed and, if
    asked, mark their other pending comments as spam (undoable)."""
    query, form = _query(), BanForm()
    if not form.validate():
        flash(first_error(form), "error")
        return back_to_queue(query)
    result = ban_commenter(
        comment_id, current_user, by_email=form.by_email.data,
        by_ip=form.by_ip.data, ip_range=form.ip_range.data,
        spam_pending=form.spam_pending.data,
    )  # fmt: skip
    banned = f"已封禁：{'、'.join(result.rules)}。"
    if result.marked_spam is not None and result.marked_spam.entry is not None:
        report("spam", result.marked_spam, lead=banned)  # one message for both
    else:
        flash(banned, "success")
    return back_to_queue(query)
