"""Ways to find more to read: search, and the archive by year and month."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from flask import abort, current_app, render_template, request

from cms.extensions import limiter
from cms.models import Article
from cms.params import page_arg
from cms.public.views import _page_of, bp
from cms.services import articles as article_service
from cms.services.digests import ARCHIVE, sidebar
from cms.services.search import search
from cms.services.settings import current_settings


def _search_limit() -> str:
    return current_app.config["SEARCH_LIMIT"]


@bp.get("/search")
@limiter.limit(_search_limit)
def search_page():
    """`/search?q=…`: matching articles, title matches first, the matched
    words highlighted; paginated; rate-limited per client address (429).
    Any query is safe (cms.services.search); an empty one shows the box."""
    query = request.args.get("q", "")
    results = search(query, page=page_arg()) if query.strip() else None
    return render_template("public/search.html", query=query[:100], results=results)


@bp.get("/archive/")
def archive():
    """归档: every month with published articles, newest first, with counts
    (the kept digest: no aggregate per request)."""
    months = sidebar()[ARCHIVE]
    years = [
        (year, list(group)) for year, group in groupby(months, key=lambda m: m["year"])
    ]
    total = sum(m["count"] for m in months)
    return render_template("public/archive.html", years=years, total=total)


@bp.get("/archive/<int:year>/<int:month>/")
def archive_month(year: int, month: int):
    """One month's articles (in the site's time zone), paginated; 404 for a
    month that does not exist."""
    if not (1970 <= year <= 9999 and 1 <= month <= 12):
        abort(404)
    zone = ZoneInfo(current_settings()["site.timezone"])
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    query = article_service.visible_articles().where(
        Article.published_at >= start, Article.published_at < end
    )
    page = _page_of(query, ("month", year, month))
    heading = f"{year} 年 {month} 月"
    return render_template(
        "public/list.html", kind="month", item={"name": heading, "year": year,
        "month": month}, page=page,
    )  # fmt: skip
