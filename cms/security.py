"""Security headers on every answer; the Content-Security-Policy and its nonce.

Every HTML answer carries a policy without 'unsafe-inline' or 'unsafe-eval':
a script runs when it comes from our own origin ('self'), or, on the staff's
pages, when it carries this request's nonce, a fresh random value per request
(their templates write `nonce="{{ csp_nonce() }}"`; the policy names a nonce
only when the page used one). Readers' pages may come from the page cache,
so nothing on them is per request: no nonce, only external scripts (ours
from 'self', the JSON-LD block is data, not run). The site's analytics code is
served as external scripts by `analytics_tags()` (no inline code, so no
hash is needed), and the page that serves it (and only that page) allows the
hosts the code loads from and reports to.
No page served to a logged-in user carries analytics: whatever a vendor's
script does, it never runs with the staff's session.

Every POST (PUT, PATCH, DELETE) that names another site as its origin
(Origin, else Referer) is refused with 403 before any view runs, whatever
its token: the CSRF token is the first defence, this the second. The
comment forms make the same check themselves, to answer with the reader's
text kept; the one-click unsubscribe (RFC 8058: a mail client may send it
from anywhere; its signed URL is the authority) is open to other origins.
"""

from __future__ import annotations

import secrets

from flask import Flask, abort, current_app, g, has_request_context, request, url_for
from flask_login import current_user
from markupsafe import Markup

from cms.services.analytics import LOADER, AnalyticsCode, analytics_code
from cms.services.errors import InvalidInput
from cms.services.form_tokens import check_origin
from cms.services.settings import current_settings

# Areas whose visitors are the site's own staff: no analytics there.
UNTRACKED_BLUEPRINTS = frozenset({"moderation", "auth", "email_actions"})
# Endpoints left to themselves (see the module docstring).
OWN_ORIGIN_CHECK = frozenset(
    {"comments.post", "comments.post_page", "comments.unsubscribe_now"}
)
# The policy of every answer that is not a page and brings none of its own.
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def csp_nonce() -> str:
    """This request's nonce (made on first use; one value per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def analytics_tags() -> Markup:
    """The analytics scripts for this page, nonced; nothing on the staff's
    pages (moderation area, login), nothing for a logged-in user on any
    page, nothing when no code is set (or the stored code is refused)."""
    if not has_request_context() or request.blueprint in UNTRACKED_BLUEPRINTS:
        return Markup("")
    if current_user.is_authenticated:
        return Markup("")
    settings = current_settings()
    code = analytics_code(settings["site.analytics"], settings["site.analytics_host"])
    if not code.scripts:
        return Markup("")
    g.csp_analytics = code
    return code.render("", url_for("static", filename=LOADER))


def content_security_policy(nonce: str, analytics: AnalyticsCode | None) -> str:
    """The policy of one HTML answer; `nonce` is "" when the page used none;
    `analytics` is the code the page serves."""
    scripts = analytics.script_hosts if analytics else ()
    connects = analytics.connect_hosts if analytics else ()
    nonces = [f"'nonce-{nonce}'"] if nonce else []
    directives = [
        "default-src 'self'",
        " ".join(["script-src 'self'", *nonces, *scripts]),
        "style-src 'self'",
        "img-src 'self' data: https:",
        " ".join(["connect-src 'self'", *connects]),
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def _add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    hsts = current_app.config.get("HSTS_SECONDS", 0)
    if hsts and current_app.config["SITE_URL"].startswith("https://"):
        # Production is HTTPS (SITE_URL says so) whatever the proxy passed on.
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = content_security_policy(
            g.get("csp_nonce", ""), g.get("csp_analytics")
        )
    else:  # a file opened on its own (an SVG, a feed) runs nothing
        response.headers.setdefault("Content-Security-Policy", OTHER_POLICY)
    return response


def _refuse_foreign_origin():
    if request.method in SAFE_METHODS or request.endpoint in OWN_ORIGIN_CHECK:
        return None
    own = [current_app.config["SITE_URL"], request.host_url]
    try:
        check_origin(request.headers.get("Origin"), request.referrer, own)
    except InvalidInput:
        abort(403)
    return None


def register_security(app: Flask) -> None:
    """Refuse cross-site writes; add the security headers to every answer
    (the policy to HTML ones)."""
    app.before_request(_refuse_foreign_origin)
    app.after_request(_add_headers)
