"""An e-mailed moderation link: GET shows what it will do (and changes
nothing, so mail scanners that open links are harmless), POST does it."""

from flask import Blueprint, make_response, render_template, request

from cms.services.action_links import (
    CommentGone,
    EditorRevoked,
    LinkUsed,
    read_link,
    use_link,
)
from cms.services.errors import ServiceError

bp = Blueprint("email_actions", __name__)


def _private(body: str, status: int = 200):
    """The page of a secret URL: never cached, never sent on as a Referer."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _refused(error: ServiceError):
    """410 used or gone, 403 revoked, 400 tampered or expired."""
    status = 400
    if isinstance(error, (LinkUsed, CommentGone)):
        status = 410
    elif isinstance(error, EditorRevoked):
        status = 403
    page = render_template("email_actions/error.html", code=status, message=str(error))
    return _private(page, status)


@bp.get("/<token>")
def confirm(token: str):
    """What the link will do to which comment, and a button to do it."""
    try:
        link = read_link(token)
    except ServiceError as error:
        return _refused(error)
    return _private(render_template("email_actions/confirm.html", link=link))


@bp.post("/<token>")
def act(token: str):
    """Do what the link says (the CSRF token is checked before this runs)."""
    try:
        outcome = use_link(token, actor_label=request.remote_addr)
    except ServiceError as error:
        return _refused(error)
    return _private(render_template("email_actions/done.html", outcome=outcome))
