"""Ways to find more to read: search (and, below, the archive)."""

from __future__ import annotations

from flask import current_app, render_template, request

from cms.extensions import limiter
from cms.params import page_arg
from cms.public.views import bp
from cms.services.search import search


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
