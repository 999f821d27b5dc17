"""What a view says about its page: that it may be shared, and what it shows.

A public view calls `cache_page(tags, view=…)`; nothing else is ever cached
(opt-in). The tags name what the page shows, so that a change drops exactly
the pages showing it (cms.pagecache.invalidation says which change drops
which tag):

- `p:<article id>`: the article's own page (every `?cpage=` of it);
- `a:<article id>`: every page showing the article's title, date or text:
  its page, its neighbours' pages, list pages, the feed;
- `c:<article id>`: every page showing its comments or comment count;
- `list:home`, `list:category:<id>`, `list:tag:<id>`, `list:author:<id>`:
  every page of that list; `lists:category`, `lists:tag`, `lists:author`:
  every list of that kind;
- `category:<id>`, `tag:<id>`, `user:<id>`, `page:<id>`, `media:<key>`: pages
  showing that category's or tag's name, that user's profile or pay links,
  that page, that upload;
- `feed`, `sitemap`;
- `related:category:<id>`, `related:tag:<id>`: pages whose related articles
  are drawn from that category or tag (an article entering or leaving them
  drops those pages); the related articles shown are tagged `a:<id>`.

The site frame (header, menus, footer, settings) is on every page: its
changes drop everything (one generation bump).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, current_app, g, request
from flask_login import current_user

# Internal headers from the view to the WSGI layer; never sent to clients.
TAGS_HEADER = "X-Page-Cache-Tags"
VIEW_HEADER = "X-Page-Cache-View"
TTL_HEADER = "X-Page-Cache-Ttl"
INTERNAL_HEADERS = (TAGS_HEADER, VIEW_HEADER, TTL_HEADER)
# Set by the WSGI layer when the request may be answered from (and stored in)
# the cache: an anonymous GET without the cookies that bypass it.
ELIGIBLE = "cms.page_cache.eligible"


@dataclass
class PageMark:
    """The tags, the counted article, and a shorter lifetime (seconds) if any."""

    tags: set[str] = field(default_factory=set)
    view: str = ""
    max_age: int | None = None


def cache_page(*tags: str, view: str = "", max_age: int | None = None) -> None:
    """Mark this answer as the same for every anonymous reader, showing
    `tags`; `view` is the public id of the article a hit counts a view of;
    `max_age` shortens the entry's life (a page showing a view count)."""
    mark = g.get("page_mark")
    if mark is None:
        mark = g.page_mark = PageMark()
    mark.tags.update(tags)
    mark.view = view or mark.view
    if max_age is not None:
        mark.max_age = max_age if mark.max_age is None else min(mark.max_age, max_age)


def also_shows(*tags: str) -> None:
    """Add tags to the page being rendered (a partial showing more)."""
    mark = g.get("page_mark")
    if mark is not None:
        mark.tags.update(tags)


def shows_articles(articles, counts: bool = True) -> None:
    """The page lists these articles (cards: title, author, category, and
    the comment count unless `counts` is false: the feed shows none)."""
    tags = []
    for item in articles:
        tags += [f"a:{item.id}", f"user:{item.owner_id}"]
        if counts:
            tags.append(f"c:{item.id}")
        if item.category_id:
            tags.append(f"category:{item.category_id}")
    also_shows(*tags)


def shows_article(article, tags) -> None:
    """The article's own page: itself, its comments, its author, category and
    `tags` (its tags, as the page shows them); a hit counts its view and
    shows the count of that moment (cms.pagecache.counts)."""
    cache_page(
        f"p:{article.id}", f"a:{article.id}", f"c:{article.id}",
        f"user:{article.owner_id}",
        *([f"category:{article.category_id}"] if article.category_id else []),
        *(f"tag:{tag.id}" for tag in tags),
        view=article.public_id,
    )  # fmt: skip


def _shareable(response: Response) -> bool:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    if not request.environ.get(ELIGIBLE) or "Set-Cookie" in response.headers:
        return False
    control = response.headers.get("Cache-Control", "")
    if "private" in control or "no-store" in control:
        return False
    return not current_user.is_authenticated


def mark_response(response: Response) -> Response:
    """after_request: say `X-Cache: MISS` on every cacheable page, and hand
    the tags to the WSGI layer when this answer may be shared."""
    mark: PageMark | None = g.get("page_mark")
    if mark is None:
        return response
    response.headers["X-Cache"] = "MISS"
    if not _shareable(response):
        if current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "private")
        return response
    response.headers["Cache-Control"] = "no-cache"
    response.headers[TAGS_HEADER] = " ".join(sorted(mark.tags))
    ttl = current_app.config["PAGE_CACHE_SECONDS"]
    if mark.max_age is not None:
        ttl = min(ttl, mark.max_age)
    response.headers[TTL_HEADER] = str(ttl)
    if mark.view:
        response.headers[VIEW_HEADER] = mark.view
    return response
