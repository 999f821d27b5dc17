"""Machine-readable pages: RSS, sitemap, robots.txt and the health check."""

from flask import abort, current_app, make_response, render_template
from sqlalchemy import select

from cms.extensions import db
from cms.models import Category, Tag
from cms.pagecache.marks import cache_page, shows_articles
from cms.params import int_arg
from cms.public.views import bp
from cms.services import articles as article_service
from cms.services import health
from cms.services import page_queries as page_service

FEED_SIZE = 20
SITEMAP_LIMIT = 50_000  # the sitemap protocol's limit per file (SITEMAP_MAX_URLS)


def _xml(template: str, **context):
    response = make_response(render_template(template, **context))
    response.mimetype = "application/xml"
    return response


@bp.get("/feed.xml")
def feed():
    """RSS 2.0 with the newest articles in full."""
    cache_page("feed")
    items = db.session.scalars(
        article_service.visible_articles().limit(FEED_SIZE)
    ).all()
    shows_articles(items, counts=False)
    response = _xml("public/feed.xml", items=items)
    response.mimetype = "application/rss+xml"
    return response


def _sitemap_limit() -> int:
    return int(current_app.config.get("SITEMAP_MAX_URLS", SITEMAP_LIMIT))


def _site_lists() -> dict:
    """The sitemap's entries other than articles: pages, categories, tags."""
    return {
        "pages": page_service.published_pages(),
        "categories": list(
            db.session.scalars(select(Category).order_by(Category.slug))
        ),
        "tags": list(db.session.scalars(select(Tag).order_by(Tag.slug))),
    }


@bp.get("/sitemap.xml")
def sitemap():
    """Every public list, article and page, with their last change. A site
    that may have more URLs than one sitemap file holds (SITEMAP_MAX_URLS,
    the protocol's 50,000) gets a sitemap index instead: /sitemap-1.xml with
    the home page, pages, categories and tags, then /sitemap-2.xml, … with
    the articles, SITEMAP_MAX_URLS ids each. Whether it may is decided from
    the highest article id, without counting."""
    cache_page("sitemap")
    limit = _sitemap_limit()
    lists = _site_lists()
    last_id = article_service.last_article_id()
    others = 1 + sum(len(items) for items in lists.values())
    if last_id + others <= limit:
        return _xml(
            "public/sitemap.xml",
            items=article_service.sitemap_entries(limit),
            **lists,
        )
    parts = 1 + -(-last_id // limit)
    return _xml("public/sitemap_index.xml", parts=range(1, parts + 1))


@bp.get("/sitemap-<part>.xml")
def sitemap_part(part: str):
    """One part of the sitemap index: 1 is the home page, pages, categories
    and tags; N ≥ 2 the visible articles with ids (N-2)·limit+1 … (N-1)·limit.
    404 past the last part."""
    if not (part.isascii() and part.isdigit() and len(part) <= 9):
        abort(404)
    number = int(part)
    cache_page("sitemap")
    limit = _sitemap_limit()
    if number == 1:
        return _xml("public/sitemap.xml", items=[], **_site_lists())
    first = (number - 2) * limit + 1
    if number < 1 or first > article_service.last_article_id():
        abort(404)
    return _xml(
        "public/sitemap.xml",
        items=article_service.sitemap_chunk(first, first + limit - 1),
        pages=[], categories=[], tags=[], with_home=False,
    )  # fmt: skip


@bp.get("/robots.txt")
def robots():
    """Keep crawlers out of the logged-in area; point them at the sitemap."""
    body = (
        "User-agent: *\nDisallow: /moderation/\nDisallow: /auth/\n\n"
        f"Sitemap: {current_app.config['SITE_URL']}/sitemap.xml\n"
    )
    return body, 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/healthz")
def healthz():
    """200 `ok` when the database answers, 503 otherwise; with `?write=1`,
    also 503 when it refuses a write (read-only, disk full)."""
    plain = {"Content-Type": "text/plain", "Cache-Control": "no-store"}
    if not health.database_reads():
        return "database unavailable", 503, plain
    if int_arg("write", 0, maximum=1) and not health.database_writes():
        return "database refuses writes", 503, plain
    return "ok", 200, plain
