"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    current_app,
    g,
    has_request_context,
    render_template,
    request,
    url_for,
)
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from werkzeug.routing import BuildError

from cms.models import MediaFile
from cms.pagecache.marks import also_shows
from cms.security import analytics_tags, csp_nonce
from cms.services import digests
from cms.services.comment_words import flagged_marks
from cms.services.menus import menu_links
from cms.services.published import CoverImage
from cms.services.reasons import reason_text
from cms.services.related.picks import RelatedItem, related_for
from cms.services.settings import current_settings
from cms.services.submissions import new_key
from cms.services.wordrules import current_matcher
from cms.text.bounded import parse_int
from cms.text.comment_text import render_comment
from cms.text.identicon import identicon_svg

DATE_FORMATS = {
    "date": "%Y年%m月%d日",
    "datetime": "%Y-%m-%d %H:%M",
    "full": "%Y-%m-%d %H:%M:%S",
    "iso": "%Y-%m-%dT%H:%M:%S%z",
}


def localtime(value: datetime | None, fmt: str = "datetime") -> str:
    """A UTC time shown in the site's time zone (setting site.timezone)."""
    return _local(value, fmt, current_settings()["site.timezone"])


@pass_context
def _localtime_filter(
    context: Context, value: datetime | None, fmt: str = "datetime"
) -> str:
    """The `localtime` filter: the zone from the page's own `settings` (the
    context processor's), not looked up again for each of a page's twenty
    times."""
    settings = context.get("settings") or current_settings()
    return _local(value, fmt, settings["site.timezone"])


def _local(value: datetime | None, fmt: str, zone: str) -> str:
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone))
    if fmt == "iso":
        return local.isoformat(timespec="seconds")
    return local.strftime(DATE_FORMATS.get(fmt, fmt))


def rfc822(value: datetime) -> str:
    """A time as RSS wants it (RFC 822, in UTC)."""
    return format_datetime(value, usegmt=True)


def absolute_url(endpoint: str, **values) -> str:
    """SITE_URL + the path of `endpoint` (as the templates' url_for builds
    it): never built from the request's Host."""
    return current_app.config["SITE_URL"] + template_url_for(endpoint, **values)


def canonical_for_request() -> str:
    """The canonical URL of the page being served (its path under SITE_URL); a
    list page past the first keeps its number, a page past the numbered ones
    its cursor (each page is its own canonical)."""
    url = current_app.config["SITE_URL"] + request.path
    before = request.args.get("before", "")
    if len(before) == 16 and before.isascii() and before.isalnum():
        return f"{url}?before={before}"
    try:
        page = parse_int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    return f"{url}?page={page}" if page > 1 else url


def identicon(email: str) -> Markup:
    """The commenter's generated avatar (keyed with SECRET_KEY)."""
    return identicon_svg(email or "", current_app.config["SECRET_KEY"].encode())


_URLS_KEY = "cms_public_urls"
_PLACEHOLDER = "0123456789abcdef"
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _one_argument_url(endpoint: str, name: str, value: str) -> str:
    """url_for(endpoint, **{name: value}) for a call of one text value, the
    same string at a fraction of the cost (lists and the article page show
    dozens of these links): the address is cut around a placeholder once per
    endpoint, name and script root, and a value of ASCII letters, digits,
    `-` and `_` needs no quoting. Any other value, and an endpoint whose
    address cannot be built around the placeholder (a converter that
    refuses it, as a number's does), goes through url_for. Like
    template_url_for it assumes what holds for this app: no `url_defaults`
    callbacks, no rule `defaults` (either could make url_for pick an address
    by the value), and converters that write a plain text value as it is
    (Werkzeug's string, path and any do)."""
    if value and _PLAIN.issuperset(value):
        cut = _kept_cut(endpoint, name)
        if cut is not None:
            return f"{cut[0]}{value}{cut[1]}"
    values: dict[str, Any] = {name: value}
    return url_for(endpoint, **values)


def _kept_cut(endpoint: str, name: str) -> tuple[str, str] | None:
    """The address of `endpoint` with the placeholder as `name`, cut around
    it, kept per endpoint, name and script root; None when url_for refuses
    the placeholder."""
    kept = current_app.extensions.setdefault(_URLS_KEY, {})
    root = request.script_root
    entry = kept.get((endpoint, name))
    if entry is None or entry[0] != root:
        entry = kept[(endpoint, name)] = (root, _cut_at_placeholder(endpoint, name))
    return entry[1]


def _cut_at_placeholder(endpoint: str, name: str) -> tuple[str, str] | None:
    placeholder: dict[str, Any] = {name: _PLACEHOLDER}
    try:
        address = url_for(endpoint, **placeholder)
    except (BuildError, ValueError):  # ValueError: a number converter's
        return None
    before, found, after = address.partition(_PLACEHOLDER)
    if not found or _PLACEHOLDER in after:
        return None
    return before, after


_FIXED_URLS_KEY = "cms_fixed_urls"
_FIXED_URLS_KEPT = 256


def template_url_for(endpoint: str, **values: Any) -> str:
    """The templates' url_for. An address that takes no values, or a static
    file's, is the same on every page: it is built once per endpoint, file
    and script root (every page of the site frame links a dozen of them). A
    call of one text value is `_one_argument_url`'s. Any other call (options
    such as `_external` included), and any call outside a request, is
    url_for's."""
    if endpoint.startswith(".") or not has_request_context():  # "." : relative
        return url_for(endpoint, **values)
    if values and values.keys() != {"filename"}:
        if len(values) == 1:
            ((name, value),) = values.items()
            if type(value) is str and not name.startswith("_"):
                return _one_argument_url(endpoint, name, value)
        return url_for(endpoint, **values)
    key = (endpoint, values.get("filename"), request.script_root)
    kept = current_app.extensions.setdefault(_FIXED_URLS_KEY, {})
    address = kept.get(key)
    if address is None:
        address = url_for(endpoint, **values)
        if len(kept) < _FIXED_URLS_KEPT:  # templates name a few dozen at most
            kept[key] = address
    return address


def article_url(public_id: str) -> str:
    """url_for("public.article", public_id=…), cheaply (_one_argument_url)."""
    return _one_argument_url("public.article", "public_id", public_id)


def author_url(username: str) -> str:
    """url_for("public.author", username=…), cheaply (_one_argument_url)."""
    return _one_argument_url("public.author", "username", username)


def category_url(slug: str) -> str:
    """url_for("public.category", slug=…), cheaply (_one_argument_url)."""
    return _one_argument_url("public.category", "slug", slug)


def tag_url(slug: str) -> str:
    """url_for("public.tag", slug=…), cheaply (_one_argument_url)."""
    return _one_argument_url("public.tag", "slug", slug)


def media_url(key: str) -> str:
    """The URL of an uploaded file (cms.services.media key)."""
    return url_for("public.media", key=key)


def media_size(
    media: MediaFile | CoverImage, width: int = 960, webp: bool = False
) -> dict:
    """The page size of a stored image closest to `width` from below (the
    original when it has none): {"src", "width", "height"}; WebP when asked
    and made, else the original's format (what every crawler reads)."""
    sizes = [w for w in media.size_list if w <= width] or media.size_list[:1]
    if not sizes:
        return {"src": media_url(media.key), "width": media.width,
                "height": media.height}  # fmt: skip
    chosen = sizes[-1]
    ext = "webp" if webp or media.ext == "webp" else media.ext
    stem = media.key.rsplit(".", 1)[0]
    return {
        "src": media_url(f"{stem}-{chosen}.{ext}"),
        "width": chosen,
        "height": max(1, round(media.height * chosen / media.width)),
    }


def related_shown(article_id: int) -> list[RelatedItem]:
    """The article's related list; the page being rendered is marked as
    showing each of them (title, excerpt, time, comment count), so that a
    change to one drops this page from the page cache."""
    items = related_for(article_id)
    also_shows(*(f"a:{item.id}" for item in items), *(f"c:{item.id}" for item in items))
    return items


_SIDEBAR_KEY = "cms_sidebar_html"


def sidebar_html() -> Markup:
    """The sidebar (热门, 最新评论, tags, archive: templates/_partials/
    sidebar.html); the page being rendered is marked as showing it, which
    the page cache drops when a visible comment or a public article changes.

    It is rendered from the kept digests alone (cms.services.digests), so this
    process keeps the HTML with the digests' stored text it was rendered from
    and renders again only when that text differs: each page still reads the
    digests (one query), and shows exactly what they hold, in every worker
    and on every server, with nothing to invalidate."""
    also_shows("sidebar")
    rows = digests.stored()
    key = (rows, request.script_root)
    kept = current_app.extensions.get(_SIDEBAR_KEY)
    if kept is not None and kept[0] == key:
        return kept[1]
    html = Markup(  # noqa: S704  # nosec B704  # an autoescaped template's output
        render_template("_partials/sidebar.html", digest=digests.parse(rows))
    )
    current_app.extensions[_SIDEBAR_KEY] = (key, html)
    return html


def comment_html_flagged(text: str) -> Markup:
    """A comment as the moderation area shows it: as readers see it
    (render_comment), with what `flag` rules match highlighted in
    <mark class="flagged" title="规则：…">. Never used on readers' pages.
    The rules' matcher is read once per request."""
    matcher = g.get("flag_matcher")
    if matcher is None:
        matcher = g.flag_matcher = current_matcher()
    return render_comment(text, flagged_marks(text, matcher))


def submission_field() -> Markup:
    """The hidden one-time key of a form that creates something, so that the
    form sent twice creates once (cms.services.submissions)."""
    return Markup('<input type="hidden" name="submission" value="{}">').format(
        new_key()
    )


def register_template_helpers(app: Flask) -> None:
    """Add the filters and globals above to the app's Jinja environment."""
    app.add_template_filter(_localtime_filter, "localtime")
    app.add_template_filter(rfc822)
    app.add_template_filter(identicon)
    app.add_template_filter(render_comment, "comment_html")
    app.add_template_filter(comment_html_flagged, "comment_html_flagged")
    app.add_template_filter(reason_text)
    app.add_template_global(absolute_url)
    app.add_template_global(canonical_for_request)
    app.add_template_global(media_url)
    app.add_template_global(template_url_for, "url_for")
    app.add_template_global(article_url)
    app.add_template_global(author_url)
    app.add_template_global(category_url)
    app.add_template_global(tag_url)
    app.add_template_global(media_size)
    app.add_template_global(menu_links, "site_menu")
    app.add_template_global(csp_nonce)
    app.add_template_global(analytics_tags)
    app.add_template_global(related_shown, "related_articles")
    app.add_template_global(sidebar_html)
    app.add_template_global(submission_field)

    @app.context_processor
    def _site():
        settings = current_settings()
        return {"settings": settings, "site_name": settings["site.name"]}
