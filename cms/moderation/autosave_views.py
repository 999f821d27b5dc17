"""The editor's autosave: the script posts the title and text every 30 s of
changes and when the writer leaves; the copy is offered back on reopen
(cms.moderation.posts). The article itself is never changed here."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from cms.models import Role
from cms.moderation.post_workflow import article_or_404
from cms.moderation.views import bp, open_to
from cms.services import autosave as autosaves
from cms.text.bounded import has_control_characters, parse_int


def _store(article):
    """Keep the copy; 400 for a title or text with control characters (NUL
    …), which the editor never sends and the database may refuse."""
    try:
        version = parse_int(request.form.get("version") or "0", 0, 2**31 - 1)
    except ValueError:
        version = 0
    title, body = request.form.get("title", ""), request.form.get("body", "")
    if has_control_characters(title) or has_control_characters(body):
        abort(400)
    copy = autosaves.autosave(current_user, article, title, body, version)
    local = copy.saved_at
    return jsonify(saved_at=local.isoformat(timespec="seconds"))


@bp.post("/posts/autosave")
@open_to(*Role)
def post_autosave_new():
    """Keep the writer's copy of a new article's editor: {"saved_at": …}."""
    return _store(None)


@bp.post("/posts/<int:article_id>/autosave")
@open_to(*Role)
def post_autosave(article_id: int):
    """Keep the writer's copy of the editor for an article they may edit."""
    return _store(article_or_404(article_id))


@bp.post("/posts/autosave/discard")
@open_to(*Role)
def post_autosave_discard_new():
    """Forget the autosaved copy of a new article; back to the editor."""
    autosaves.discard(current_user, None)
    flash("已丢弃自动保存的内容。", "info")
    return redirect(url_for("moderation.post_new"), 303)


@bp.post("/posts/<int:article_id>/autosave/discard")
@open_to(*Role)
def post_autosave_discard(article_id: int):
    """Forget the autosaved copy of an article; back to its editor."""
    article_or_404(article_id)
    autosaves.discard(current_user, article_id)
    flash("已丢弃自动保存的内容。", "info")
    return redirect(url_for("moderation.post_edit", article_id=article_id), 303)
