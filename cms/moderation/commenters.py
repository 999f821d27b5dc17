"""Commenters' data: every comment of an address, its export (JSON) and its
erasure (个人信息删除请求)."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cms.moderation.answers import first_error
from cms.moderation.forms import EraseForm
from cms.moderation.views import bp
from cms.services.commenters import comments_by_email, erase_commenter, export_commenter
from cms.services.queue import histories


def _email() -> str:
    return (request.args.get("email") or "").strip().lower()[:254]


@bp.get("/commenters")
def commenters():
    """Every comment written with one address (a search form without one)."""
    email = _email()
    comments = comments_by_email(email)
    return render_template(
        "moderation/commenter.html",
        email=email,
        comments=comments,
        history=histories([email]).get(email),
        erase=EraseForm(email=email),
    )


@bp.get("/commenters/export")
def export():
    """Everything stored about an address, as a JSON download (reads only)."""
    email = _email()
    if not email:
        abort(400)
    document = json.dumps(export_commenter(email), ensure_ascii=False, indent=2)
    return Response(
        document,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="commenter-export.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/commenters/erase")
def erase():
    """Erase an address's comments, or only its personal data; not undoable,
    so the form asks for a confirmation."""
    form = EraseForm()
    if not form.validate():
        flash(first_error(form), "error")
        return redirect(url_for("moderation.commenters", email=form.email.data), 303)
    count = erase_commenter(form.email.data, form.mode.data, current_user)
    done = "删除了评论" if form.mode.data == "comments" else "删除了个人信息"
    flash(f"已处理 {count} 条评论：{done}。", "success")
    return redirect(url_for("moderation.commenters", email=form.email.data), 303)
