"""Rendering the article page: shared by reading it and by a comment POST
that must answer with the page again (400, 409, 429)."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from cms.models import Article, Comment
from cms.pagecache.marks import also_shows
from cms.params import int_arg, page_arg
from cms.public.comment_cookies import held_ids, remembered_commenter
from cms.public.comment_form import CommentForm
from cms.services import articles as article_service
from cms.services.article_access import can_edit
from cms.services.attribution import attribution_for, structured_data
from cms.services.comments import comments_open, reply_notices_offered
from cms.services.form_tokens import issue_comment_token
from cms.services.settings import current_settings
from cms.services.threads import comment_thread, visible_comment
from cms.services.tipping import pay_links_for
from cms.text.reading import TOC_MIN_HEADINGS, reading_of, table_of_contents


def fresh_form_token(article: Article) -> str:
    """The anti-forgery value for the comment form: session-bound for
    logged-in users, a signed stand-alone token for readers."""
    if current_user.is_authenticated:
        return generate_csrf()
    return issue_comment_token(article.public_id)


def _reply_target(article: Article, form: CommentForm | None) -> Comment | None:
    """The comment being answered: `?replytocom=` on a fresh page, the
    form's parent_id on a rejected reply (so its heading still says whom)."""
    if form is None:
        reply_to = int_arg("replytocom")
    else:
        reply_to = form.parent_id.data if not form.parent_id.errors else None
    if not reply_to:
        return None
    return visible_comment(article, reply_to, held_ids(request))


def render_article_page(
    article: Article,
    views: int | None = None,
    form: CommentForm | None = None,
    status: int = 200,
    message: str | None = None,
    locked: bool = False,
    unlock_failed: bool = False,
):
    """The full article page; `form` carries a rejected submission back with
    its errors and the reader's text, under a fresh token. A new form is
    filled with the reader's remembered name, e-mail and site; such a page
    is marked private (a third element: headers)."""
    settings = current_settings()
    older, newer = article_service.neighbours(article)
    also_shows(*(f"a:{near.id}" for near in (older, newer) if near is not None))
    thread = comment_thread(
        article, settings["comments.max_depth"],
        page=page_arg("cpage"), held_ids=held_ids(request),
    )  # fmt: skip
    reply_target = _reply_target(article, form)
    remembered = None
    if form is None:
        form = CommentForm(formdata=None)
        if reply_target is not None:
            form.parent_id.data = reply_target.id
        remembered = _fill_remembered(form)
    form.csrf_token.data = fresh_form_token(article)
    toc = table_of_contents(article.body_html)
    html = render_template(
        "public/article.html",
        article=article,
        views=article.view_count if views is None else views,
        older=older,
        newer=newer,
        notice=attribution_for(article),
        ld_json=structured_data(article),
        thread=thread,
        form=form,
        form_message=message,
        reply_target=reply_target,
        comments_open=comments_open(article),
        offer_notices=reply_notices_offered(),
        tip=pay_links_for(article),
        locked=locked,
        unlock_failed=unlock_failed,
        reading=reading_of(article.body_html),
        toc=toc if len(toc) >= TOC_MIN_HEADINGS else (),
        # Only for a logged-in user: such pages never come from the page cache.
        edit_url=_edit_url(article),
    )
    if remembered:  # the reader's own name and e-mail: never for a shared cache
        return html, status, {"Cache-Control": "private, no-store"}
    return html, status


def _edit_url(article: Article) -> str | None:
    """The editor's address for staff who may change this article, else None
    (always None for readers)."""
    if not current_user.is_authenticated or not can_edit(current_user, article):
        return None
    return url_for("moderation.post_edit", article_id=article.id)


def _fill_remembered(form: CommentForm) -> bool:
    """Fill the form with what the reader asked to be remembered (the cookie
    is HttpOnly: no script fills it in)."""
    fields = remembered_commenter(request)
    if not fields:
        return False
    for name, value in fields.items():
        form[name].data = value
    form.remember.data = True
    return True
