"""Readers' HTML pages: home, article, and the category, tag and author lists."""

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import Select, select

from cms.extensions import db
from cms.models import Category, Tag, User
from cms.params import page_arg
from cms.public.article_page import render_article_page
from cms.services import articles as article_service
from cms.services.views import count_view

bp = Blueprint("public", __name__)


def _page_of(query: Select):
    return db.paginate(
        query, page=page_arg(),
        per_page=current_app.config["ARTICLES_PER_PAGE"], max_per_page=50,
    )  # fmt: skip


@bp.get("/")
def index():
    """Newest published articles, paginated."""
    page = _page_of(article_service.visible_articles())
    return render_template("public/index.html", page=page)


@bp.get("/<string(length=16):public_id>.html")
def article(public_id: str):
    """One article, read and rendered first; then the view is counted, in its
    own transaction, and a failure to count it does not fail the page.
    NotFound (answered 404 by cms.errors) for an article readers cannot see."""
    item = article_service.get_visible(public_id)
    page = render_article_page(item, views=item.view_count + 1)
    count_view(public_id)
    return page


@bp.get("/category/<slug>/")
def category(slug: str):
    """A category's articles (its subcategories' included). An old slug (a
    renamed, merged or deleted category) answers 301 to the category it now
    leads to, with the query string kept; an unknown one 404."""
    from flask import redirect, url_for

    from cms.services.taxonomy import redirect_target

    item = db.session.scalar(select(Category).where(Category.slug == slug))
    if item is None:
        target = redirect_target(slug)
        if target is None:
            abort(404)
        location = url_for("public.category", slug=target)
        query = request.query_string.decode("utf-8", "replace")
        return redirect(f"{location}?{query}" if query else location, 301)
    page = _page_of(article_service.in_category(item))
    return render_template("public/list.html", kind="category", item=item, page=page)


@bp.get("/tag/<slug>/")
def tag(slug: str):
    """A tag's articles."""
    item = db.session.scalar(select(Tag).where(Tag.slug == slug))
    if item is None:  # an old slug (renamed or merged) answers 301
        from flask import redirect, url_for

        from cms.services.tags import tag_redirect

        target = tag_redirect(slug)
        if target is None:
            abort(404)
        location = url_for("public.tag", slug=target)
        query = request.query_string.decode("utf-8", "replace")
        return redirect(f"{location}?{query}" if query else location, 301)
    page = _page_of(article_service.with_tag(item))
    return render_template("public/list.html", kind="tag", item=item, page=page)


@bp.get("/author/<username>/")
def author(username: str):
    """An author's articles."""
    item = db.one_or_404(select(User).where(User.username == username))
    page = _page_of(article_service.by_owner(item))
    return render_template("public/list.html", kind="author", item=item, page=page)
