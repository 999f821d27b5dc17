"""Machine-readable pages: RSS, sitemap, robots.txt and the health check."""

from flask import current_app, make_response, render_template
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
SITEMAP_LIMIT = 50_000  # the sitemap protocol's limit per file


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


@bp.get("/sitemap.xml")
def sitemap():
    """Every public list, article and page, with their last change."""
    cache_page("sitemap")
    return _xml(
        "public/sitemap.xml",
        items=article_service.sitemap_entries(SITEMAP_LIMIT),
        pages=page_service.published_pages(),
        categories=db.session.scalars(select(Category).order_by(Category.slug)),
        tags=db.session.scalars(select(Tag).order_by(Tag.slug)),
    )


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
