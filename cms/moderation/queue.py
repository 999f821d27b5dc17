"""The comment queue: tabs, filters, keyset pages, the bulk form, undo and
emptying the spam and the trash."""

from __future__ import annotations

from typing import cast

from flask import flash, render_template, request, session
from flask_login import current_user

from cms.models import CommentStatus
from cms.moderation.answers import UNDO_KEY, back_to_queue, first_error, report
from cms.moderation.forms import BulkForm, EmptyForm, QueueFilterForm, UndoForm
from cms.moderation.views import bp
from cms.services.moderation import apply_action, empty_status, undo
from cms.services.queue import (
    count_matching,
    histories,
    matching_ids,
    parents_of,
    queue_page,
)
from cms.services.tallies import comment_tallies


def _query() -> QueueFilterForm:
    return QueueFilterForm(formdata=request.args)


@bp.get("/comments")
def comment_queue():
    """One tab of the queue, filtered, a keyset page at a time."""
    query = _query()
    filter_ = query.to_filter()
    page = queue_page(filter_, query.after.data or None)  # bad cursor: 400
    tallies = comment_tallies()
    return render_template(
        "moderation/comments.html",
        query=query,
        page=page,
        tallies=tallies,
        # The kept tally when only the tab narrows the list: no count per view.
        matching=count_matching(filter_)
        if query.is_filtered
        else tallies[filter_.status],
        parents=parents_of(page.comments),
        histories=histories([c.author_email for c in page.comments]),
        undo_entry_id=session.pop(UNDO_KEY, None),
    )


@bp.post("/comments")
def bulk_action():
    """The bulk form (INTERFACE.md): the checked ids (a row's own buttons
    post its id alone) or every comment matching the filter; 303 back to the
    same tab and filter."""
    query, form = _query(), BulkForm()
    if not form.validate():
        flash(first_error(form), "error")
        return back_to_queue(query)
    everything = form.all_matching.data
    ids = matching_ids(query.to_filter()) if everything else form.ids.data
    report(form.action.data, apply_action(ids, form.action.data, current_user))
    return back_to_queue(query)


@bp.post("/comments/undo")
def undo_action():
    """Reverse a recorded action exactly (statuses, counts, deleted rows)."""
    query, form = _query(), UndoForm()
    if not form.validate():
        flash(first_error(form), "error")
        return back_to_queue(query)
    # validate() saw a number: the field is required
    result = undo(cast(int, form.entry_id.data), current_user)
    flash(f"已撤销：{result.changed} 条评论回到了原来的状态。", "success")
    return back_to_queue(query)


@bp.post("/comments/empty")
def empty_bin():
    """Delete every comment in the spam or the trash for good (undoable)."""
    query, form = _query(), EmptyForm()
    if not form.validate():
        flash(first_error(form), "error")
        return back_to_queue(query)
    report("delete", empty_status(CommentStatus(form.status.data), current_user))
    return back_to_queue(query)
