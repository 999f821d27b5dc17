"""The comments section of an article or a standalone page (its threads,
count and form: templates/_partials/comments.html), built the same way for
both so that a page's comments answer exactly as an article's."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode

from flask import request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from cms.models import Comment, Page
from cms.params import int_arg, page_arg
from cms.public.comment_cookies import held_ids, remembered_commenter
from cms.public.comment_form import BlankCommentForm, CommentForm
from cms.public.comment_list import comment_list_html
from cms.services.comment_subjects import Subject, form_key
from cms.services.comments import comments_open, reply_notices_offered
from cms.services.form_tokens import issue_comment_token
from cms.services.settings import current_settings
from cms.services.threads import approved_count, comment_thread, visible_comment
from cms.templating import article_url, template_url_for


def fresh_form_token(subject: Subject) -> str:
    """The anti-forgery value for the comment form: session-bound for
    logged-in users, a signed stand-alone token for readers."""
    if current_user.is_authenticated:
        return generate_csrf()
    return issue_comment_token(form_key(subject))


def subject_address(subject: Subject) -> str:
    """The subject's public address, without a query."""
    if isinstance(subject, Page):
        return template_url_for("public.page", slug=subject.slug)
    return article_url(subject.public_id)


def _with_query(base: str, **args: object) -> str:
    """`base` with query arguments (cpage, replytocom), as url_for writes
    them; the template's `comments_link(**args)`."""
    pairs = [(name, value) for name, value in args.items() if value is not None]
    if not pairs:
        return base
    if all(type(value) is int for _, value in pairs):  # ids and page numbers
        return f"{base}?" + "&".join(f"{name}={value}" for name, value in pairs)
    return f"{base}?{urlencode(pairs)}"


def post_url(subject: Subject) -> str:
    """Where its comment form posts."""
    if isinstance(subject, Page):
        return template_url_for("comments.post_page", slug=subject.slug)
    return template_url_for("comments.post", public_id=subject.public_id)


@dataclass(frozen=True)
class Section:
    """The template context of the comments section; `remembered`: the form
    was filled from the reader's cookie (the page must not be shared)."""

    context: dict[str, Any]
    remembered: bool


def comment_section(
    subject: Subject, form: CommentForm | None = None, message: str | None = None
) -> Section:
    """Threads (page `?cpage=`, the reader's own held comments), the count,
    and the form: `form` carries a rejected submission back with its errors
    and the reader's text, under a fresh token; a new (blank) form answers
    `?replytocom=` and is filled with the reader's remembered fields (the
    cookie is HttpOnly: no script fills them in)."""
    thread = comment_thread(
        subject, current_settings()["comments.max_depth"],
        page=page_arg("cpage"), held_ids=held_ids(request),
    )  # fmt: skip
    reply_target = _reply_target(subject, form)
    remembered = False
    shown: CommentForm | BlankCommentForm
    invalid: list = []  # a blank form has no field in error
    if form is None:
        kept = remembered_commenter(request) or {}
        remembered = bool(kept)
        shown = BlankCommentForm(
            **kept, remember=remembered or None,
            parent_id=reply_target.id if reply_target is not None else None,
            csrf_token=fresh_form_token(subject),
        )  # fmt: skip
    else:
        form.csrf_token.data = fresh_form_token(subject)
        shown = form
        fields = (form.author, form.email, form.url, form.body)
        invalid = [field for field in fields if field.errors]
    replies_open = comments_open(subject)
    address = subject_address(subject)
    context = {
        "thread": thread,
        "comment_list": comment_list_html(thread.nodes, replies_open, address),
        "form": shown,
        "invalid_fields": invalid,
        "form_message": message,
        "reply_target": reply_target,
        "comments_open": replies_open,
        "offer_notices": reply_notices_offered(),
        "comment_count": approved_count(subject),
        "comments_link": partial(_with_query, address),
        "comment_action": post_url(subject),
        "closed_note": (
            "本页面的评论已关闭。" if isinstance(subject, Page)
            else "这篇文章的评论已关闭。"
        ),
    }  # fmt: skip
    return Section(context, remembered)


def _reply_target(subject: Subject, form: CommentForm | None) -> Comment | None:
    """The comment being answered: `?replytocom=` on a fresh page, the
    form's parent_id on a rejected reply (so its heading still says whom)."""
    if form is None:
        reply_to = int_arg("replytocom")
    else:
        reply_to = form.parent_id.data if not form.parent_id.errors else None
    if not reply_to:
        return None
    return visible_comment(subject, reply_to, held_ids(request))
