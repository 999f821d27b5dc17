"""Posting a comment on an article or a standalone page: the answers of
INTERFACE.md, then POST/redirect/GET."""

from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf

from cms.extensions import csrf
from cms.public.article_page import render_article_page
from cms.public.comment_cookies import remember_commenter, remember_held
from cms.public.comment_form import CommentForm
from cms.public.pages import render_page
from cms.services import page_queries as page_service
from cms.services.comment_subjects import Subject, form_key
from cms.services.comments import (
    CommentRejected,
    CommentsClosed,
    Duplicate,
    TooFast,
    comments_open,
    submit_comment,
)
from cms.services.errors import InvalidInput
from cms.services.form_tokens import check_origin, read_comment_token
from cms.services.published import published_article
from cms.services.reply_notices import read_unsubscribe, unsubscribe
from cms.services.spam import Candidate

bp = Blueprint("comments", __name__)


def _served_at(form: CommentForm, subject: Subject):
    """Check the anti-forgery token and Origin; the form's serving time for
    readers (None for logged-in users). InvalidInput when forged or expired."""
    own = [current_app.config["SITE_URL"], request.host_url]
    check_origin(request.headers.get("Origin"), request.referrer, own)
    if current_user.is_authenticated:
        try:
            validate_csrf(form.csrf_token.data)
        except ValidationError:
            raise InvalidInput("表单已过期，请重新提交") from None
        return None
    return read_comment_token(form.csrf_token.data, form_key(subject))


@bp.post("/<string(length=16):public_id>")
@csrf.exempt  # checked in _served_at: the page may come from a shared cache
def post(public_id: str):
    """403 closed, 400 invalid or refused by a word rule, 429 flood, 409
    duplicate, else 303 to the comment."""
    article = published_article(public_id)
    return _post(
        article,
        lambda **answer: render_article_page(article, **answer),
        lambda **args: url_for("public.article", public_id=public_id, **args),
    )


@bp.post("/page/<slug>/")
@csrf.exempt  # checked in _served_at: the page may come from a shared cache
def post_page(slug: str):
    """A comment on a standalone page: the same answers as on an article."""
    item = page_service.get_published(slug)
    return _post(
        item,
        lambda **answer: render_page(item, **answer),
        lambda **args: url_for("public.page", slug=item.slug, **args),
    )


def _post(
    subject: Subject,
    page_again: Callable[..., tuple],
    address: Callable[..., str],
):
    """The answers of INTERFACE.md for a comment on `subject`; `page_again`
    renders its page with the rejected form (form, status, message),
    `address` is its public URL (with an `_anchor`)."""
    if not comments_open(subject):
        abort(403)
    form = CommentForm()
    try:
        served_at = _served_at(form, subject)
    except InvalidInput as error:
        return page_again(form=form, status=400, message=str(error))
    if not form.validate():
        return page_again(form=form, status=400)
    candidate = Candidate(
        author_name=form.author.data, author_email=form.email.data,
        author_url=form.url.data or "", body=form.body.data, ip=request.remote_addr,
        user=current_user if current_user.is_authenticated else None,
        served_at=served_at, honeypot=form.nickname.data or "",
    )  # fmt: skip
    try:
        submission = submit_comment(
            subject, candidate, form.parent_id.data, request.user_agent.string,
            notify_replies=bool(form.notify.data), form_token=form.csrf_token.data,
        )  # fmt: skip
    except CommentsClosed:
        abort(403)
    except TooFast as error:
        html, *_ = page_again(form=form, message=str(error))
        return html, 429, {"Retry-After": str(error.retry_after)}
    except CommentRejected as error:  # the form keeps what the reader wrote
        return page_again(form=form, status=400, message=str(error))
    except Duplicate as error:
        return page_again(form=form, status=409, message=str(error))
    comment = submission.comment
    response = redirect(address(_anchor=f"comment-{comment.id}"), 303)
    if not submission.visible:
        remember_held(request, response, comment.id)
    fields = {"author": candidate.author_name, "email": candidate.author_email,
              "url": candidate.author_url}  # fmt: skip
    remember_commenter(request, response, fields if form.remember.data else None)
    return response


def _private(body: str, status: int = 200):
    """A page of a secret URL: never cached, never sent on as a Referer."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:2]}***@{domain}"


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    """What the link stops (one article's replies, or all), with buttons;
    changes nothing (mail scanners open links)."""
    try:
        target = read_unsubscribe(token)
    except InvalidInput as error:
        page = render_template("public/unsubscribe.html", error=str(error))
        return _private(page, 400)
    page = render_template(
        "public/unsubscribe.html", target=target, token=token,
        email=_masked(target.email),
    )  # fmt: skip
    return _private(page)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # the signed token in the URL is the authority (RFC 8058 one-click)
def unsubscribe_now(token: str):
    """Stop the notices the token names; the same answer when already done."""
    try:
        target = read_unsubscribe(token)
        unsubscribe(token)
    except InvalidInput as error:
        page = render_template("public/unsubscribe.html", error=str(error))
        return _private(page, 400)
    page = render_template(
        "public/unsubscribe.html", target=target, done=True,
        email=_masked(target.email),
    )  # fmt: skip
    return _private(page)
