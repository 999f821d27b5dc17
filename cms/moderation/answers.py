"""How the area's POST views answer: flash what happened, then 303 back to
the queue view the editor came from (same tab, same filter). A service's
refusal is answered by cms.errors, not here."""

from __future__ import annotations

from flask import flash, redirect, session, url_for

from cms.forms import BaseForm
from cms.moderation.forms import QueueFilterForm
from cms.services.moderation import ActionResult

# The session key of the last undoable action's audit entry (one undo button).
UNDO_KEY = "moderation_undo"

DONE = {
    "approve": "已批准",
    "unapprove": "已改回待审",
    "spam": "已标为垃圾",
    "trash": "已移到回收站",
    "restore": "已恢复",
    "delete": "已永久删除",
}


def back_to_queue(query: QueueFilterForm):
    """303 to the queue with the filter (and page) the request came from."""
    args = query.args(with_cursor=True)
    return redirect(url_for("moderation.comment_queue", **args), 303)


def report(action: str, result: ActionResult, lead: str = "") -> None:
    """Flash what an action did (one message, after `lead`: what the route
    did first, e.g. a ban) and remember its entry for the undo button."""
    if result.entry is None:
        flash(lead + (result.note or "没有评论需要改变。"), "info")
        return
    message = f"{lead}{DONE[action]} {result.changed} 条评论。"
    if result.note:
        message += f"{result.note}。"
    elif result.skipped:
        message += f"另有 {result.skipped} 条已是这个状态或已被他人处理，未改变。"
    flash(message, "success")
    session[UNDO_KEY] = result.entry.id


def first_error(form: BaseForm) -> str:
    """The form's first error message, for a flash."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "提交的内容无效。"
