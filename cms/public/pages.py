"""Standalone pages (关于我们, 联系我们, 隐私政策, 留言板 …) at /page/<slug>/."""

from flask import render_template

from cms.models import Page
from cms.pagecache.marks import cache_page
from cms.public.comment_form import CommentForm
from cms.public.comment_section import comment_section
from cms.public.views import bp
from cms.services import page_queries as page_service
from cms.services.form_tokens import TOKEN_MAX_AGE
from cms.services.threads import approved_count

# A cached page keeps the comment-form token it was rendered with: it must
# outlive the cached copy by a day at least.
_FORM_PAGE_SECONDS = int((TOKEN_MAX_AGE / 2).total_seconds())


@bp.get("/page/<slug>/")
def page(slug: str):
    """A published page, with its published ancestors as breadcrumbs and its
    published children listed under it; drafts and trashed pages are 404.
    A page that allows comments (or has some) shows them as an article does."""
    item = page_service.get_published(slug)
    return render_page(item)


def render_page(
    item: Page,
    form: CommentForm | None = None,
    status: int = 200,
    message: str | None = None,
):
    """The full page; shared by reading it and by a comment POST that must
    answer with the page again (400, 409, 429), `form` carrying the
    rejected submission back. A form filled from the reader's remembered
    fields makes the answer private (a third element: headers)."""
    trail = page_service.breadcrumbs(item)
    children = page_service.published_children(item)
    # Its ancestors (the trail) drop it from cms.pagecache.invalidation; its
    # comments drop `page:<id>` too (CommentsChanged.page_ids).
    cache_page(
        f"page:{item.id}", *(f"page:{p.id}" for p in children),
        max_age=_FORM_PAGE_SECONDS if item.allow_comments else None,
    )  # fmt: skip
    section = None
    if item.allow_comments or form is not None or approved_count(item):
        section = comment_section(item, form, message)
    html = render_template(
        "public/page.html", page=item, trail=trail, children=children,
        with_comments=section is not None,
        **(section.context if section else {}),
    )  # fmt: skip
    if section is not None and section.remembered:
        return html, status, {"Cache-Control": "private, no-store"}
    return html, status
