"""Readers' HTML pages: home, article, and the category, tag and author lists."""

import re

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import Select, select

from cms.extensions import db
from cms.models import Category, Tag, User
from cms.pagecache.marks import cache_page, shows_article, shows_articles
from cms.params import page_arg
from cms.public.article_page import render_article_page
from cms.services import articles as article_service
from cms.services.listing import MANY_TAGGED, list_size, page_of
from cms.services.views import count_view

bp = Blueprint("public", __name__)


_CURSOR = re.compile(r"[0-9A-Za-z]{16}")


def _page_of(query: Select, count_key: tuple):
    """A page of a list: `?page=N` (up to LIST_MAX_PAGES), or past those
    `?before=<public_id>` (cms.services.listing); 404 for a malformed cursor."""
    before = request.args.get("before")
    if before is not None and not _CURSOR.fullmatch(before):
        abort(404)
    return page_of(
        query, count_key, page=page_arg(), before=before,
        per_page=current_app.config["ARTICLES_PER_PAGE"],
    )  # fmt: skip


@bp.get("/")
def index():
    """Newest published articles, paginated."""
    cache_page("list:home")
    page = _page_of(article_service.visible_articles(), ("home",))
    shows_articles(page.items)
    return render_template("public/index.html", page=page)


@bp.get("/<string(length=16):public_id>.html")
def article(public_id: str):
    """One article. The view is buffered (no write; cms.services.views) and
    the page shows the stored count plus the views not yet written. NotFound
    (answered 404 by cms.errors) for an article readers cannot see."""
    item = article_service.get_visible(public_id)
    shows_article(item)
    views = count_view(public_id, request.user_agent.string, stored=item.view_count)
    return render_article_page(item, views=views)


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
    cache_page(f"list:category:{item.id}", "lists:category", f"category:{item.id}")
    page = _page_of(article_service.in_category(item), ("category", item.id))
    shows_articles(page.items)
    return render_template("public/list.html", kind="category", item=item, page=page)


@bp.get("/tag/<slug>/")
def tag(slug: str):
    """A tag's articles."""
    item = db.one_or_404(select(Tag).where(Tag.slug == slug))
    cache_page(f"list:tag:{item.id}", "lists:tag", f"tag:{item.id}")
    key = ("tag", item.id)
    many = list_size(article_service.with_tag(item), key) > MANY_TAGGED
    page = _page_of(article_service.with_tag(item, many=many), key)
    shows_articles(page.items)
    return render_template("public/list.html", kind="tag", item=item, page=page)


@bp.get("/author/<username>/")
def author(username: str):
    """An author's articles."""
    item = db.one_or_404(select(User).where(User.username == username))
    cache_page(f"list:author:{item.id}", "lists:author", f"user:{item.id}")
    if item.avatar:
        cache_page(f"media:{item.avatar}")
    page = _page_of(article_service.by_owner(item), ("author", item.id))
    shows_articles(page.items)
    return render_template("public/list.html", kind="author", item=item, page=page)
