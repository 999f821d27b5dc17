"""Readers' HTML pages: home, article, and the category, tag and author lists."""

import re

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import Select, select

from cms.errors import legacy_location
from cms.extensions import csrf, db
from cms.models import Category, Tag, User
from cms.pagecache.marks import cache_page, shows_article, shows_articles
from cms.params import page_arg
from cms.public.article_page import render_article_page
from cms.services import articles as article_service
from cms.services.listing import MANY_TAGGED, list_size, page_of
from cms.services.published import published_article
from cms.services.tags import tag_redirect
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
    """Newest published articles, paginated; pinned (sticky) ones above the
    first page. An imported site's `?p=ID` / `?page_id=ID` answers 301."""
    if request.args.get("p") or request.args.get("page_id"):
        target = legacy_location("/", request.args)
        if target is None:
            abort(404)
        return redirect(target, 301)
    cache_page("list:home")
    page = _page_of(article_service.home_articles(), ("home",))
    pinned = article_service.pinned_articles() if page.page == 1 else []
    shows_articles([*page.items, *pinned])
    return render_template("public/index.html", page=page, pinned=pinned)


UNLOCKED = "unlocked_articles"


def _unlocked(item) -> bool:
    return item.id in session.get(UNLOCKED, [])


@bp.get("/<string(length=16):public_id>.html")
def article(public_id: str):
    """One article. The view is buffered (no write; cms.services.views) and
    the page shows the stored count plus the views not yet written. NotFound
    (answered 404 by cms.errors) for an article readers cannot see. A
    password-protected one shows the password form instead of its body and
    comments until the reader unlocks it; the unlocked page is private to
    that reader (never stored by a shared cache)."""
    item = published_article(public_id)
    locked = item.is_protected and not _unlocked(item)
    views = count_view(public_id, request.user_agent.string, stored=item.view_count)
    tags = article_service.tags_shown(item.id)
    if item.is_protected and not locked:
        page = render_article_page(item, views=views, locked=False, tags=tags)
        response = make_response(page)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    shows_article(item, tags)
    return render_article_page(item, views=views, locked=locked, tags=tags)


@bp.post("/<string(length=16):public_id>.html/unlock")
@csrf.exempt
def unlock(public_id: str):
    """The password form of a protected article: the right password opens it
    for this reader's session (303 back to it); a wrong one answers 403 with
    the form again. No CSRF token (the locked page is the same for everyone
    and may be cached): unlocking only changes the sender's own session."""
    item = published_article(public_id)
    if not item.is_protected:
        return redirect(url_for("public.article", public_id=public_id), 303)
    if not article_service.unlock(item, request.form.get("password", "")[:200]):
        page = render_article_page(item, status=403, locked=True, unlock_failed=True)
        response = make_response(page)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    opened = [i for i in session.get(UNLOCKED, []) if i != item.id][-49:]
    session[UNLOCKED] = [*opened, item.id]
    return redirect(url_for("public.article", public_id=public_id), 303)


@bp.get("/category/<slug>/")
def category(slug: str):
    """A category's articles (its subcategories' included). An old slug (a
    renamed, merged or deleted category) answers 301 to the category it now
    leads to, with the query string kept; an unknown one 404."""
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
    item = db.session.scalar(select(Tag).where(Tag.slug == slug))
    if item is None:  # an old slug (renamed or merged) answers 301
        target = tag_redirect(slug)
        if target is None:
            abort(404)
        location = url_for("public.tag", slug=target)
        query = request.query_string.decode("utf-8", "replace")
        return redirect(f"{location}?{query}" if query else location, 301)
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
