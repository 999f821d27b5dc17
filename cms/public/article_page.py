"""Rendering the article page: shared by reading it and by a comment POST
that must answer with the page again (400, 409, 429)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from cms.pagecache.marks import also_shows
from cms.public.comment_form import CommentForm
from cms.public.comment_section import comment_section
from cms.services import articles as article_service
from cms.services.article_access import can_edit
from cms.services.articles import TagLink
from cms.services.attribution import attribution_for, structured_data
from cms.services.published import PublishedArticle
from cms.services.tipping import pay_links_for
from cms.text.reading import TOC_MIN_HEADINGS


def render_article_page(
    article: PublishedArticle,
    views: int | None = None,
    form: CommentForm | None = None,
    status: int = 200,
    message: str | None = None,
    locked: bool = False,
    unlock_failed: bool = False,
    tags: list[TagLink] | None = None,
):
    """The full article page; `form` carries a rejected submission back with
    its errors and the reader's text, under a fresh token. A new form is
    filled with the reader's remembered name, e-mail and site; such a page
    is marked private (a third element: headers). `tags`: the article's, as
    `tags_shown` gives them, when the caller has read them already."""
    older, newer = article_service.neighbours(article)
    also_shows(*(f"a:{near.id}" for near in (older, newer) if near is not None))
    section = comment_section(article, form, message)
    toc = article.table_of_contents  # stored with the body (Article.set_body_html)
    if tags is None:
        tags = article_service.tags_shown(article.id)
    html = render_template(
        "public/article.html",
        article=article,
        views=article.view_count if views is None else views,
        older=older,
        newer=newer,
        notice=attribution_for(article),
        tags=tags,
        ld_json=structured_data(article, tags),
        tip=pay_links_for(article),
        locked=locked,
        unlock_failed=unlock_failed,
        reading=article.reading,
        toc=toc if len(toc) >= TOC_MIN_HEADINGS else (),
        # Only for a logged-in user: such pages never come from the page cache.
        edit_url=_edit_url(article),
        **section.context,
    )
    if section.remembered:  # the reader's own name and e-mail: never for a shared cache
        return html, status, {"Cache-Control": "private, no-store"}
    return html, status


def _edit_url(article: PublishedArticle) -> str | None:
    """The editor's address for staff who may change this article, else None
    (always None for readers)."""
    if not current_user.is_authenticated or not can_edit(current_user, article):
        return None
    return url_for("moderation.post_edit", article_id=article.id)
