"""ASVS 3.5.3 / RFC 9110 9.2.1 (safe methods): no GET or HEAD, on any route
of the app, changes content or moderation state, whoever sends it.
FOUND: a request after which a table (beyond request bookkeeping: views,
rate limits, used tokens) differs."""

from __future__ import annotations

from tests.moderation.routes import SAMPLES, request_for
from tests.security.harness import Site, Tally, check, planted
from tests.security.state import table_digests

# GET routes outside the moderation area, with arguments that find something.
PUBLIC_GETS = [
    "/", "/?page=2", "/archive/", "/feed.xml", "/sitemap.xml", "/sitemap-1.xml",
    "/robots.txt", "/healthz", "/search?q=催收", "/auth/login", "/auth/forgot",
    "/auth/reset/not-a-token", "/comments/unsubscribe/not-a-token",
    "/moderation-mail/not-a-token", "/author/admin/", "/page/about/",
    "/no-such-page", "/?p=1", "/static/css/site.css",
]  # fmt: skip


def _moderation_gets(site: Site) -> list[str]:
    paths = []
    for rule in site.app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint in SAMPLES:
            path, query, _ = request_for(site.app, rule.endpoint, site.targets)
            if query:
                path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
            paths.append(path)
    return sorted(paths)


@check("safe-methods")
def run(site: Site) -> Tally:
    tally = Tally("safe-methods")
    reader = site.app.test_client()
    page = reader.get(f"/{site.reference}.html")
    assert page.status_code == 200
    links = [f"/{site.reference}.html", f"/{site.reference}.html?cpage=2"]
    walks = {
        None: PUBLIC_GETS + links,
        "contributor": _moderation_gets(site),
        "admin": _moderation_gets(site) + PUBLIC_GETS + links,
    }
    # A planted-fault run (site.quick) stops at its first find: the staff's
    # walks first there, as the moderation area has the most routes.
    roles = ["admin", "contributor", None] if site.quick else list(walks)
    for role in roles:
        paths = walks[role]
        client = site.client(role)
        for path in paths:
            for method in ("GET", "HEAD"):
                with site.context():
                    before = table_digests()
                response = client.open(path, method=method)
                with site.context():
                    after = table_digests()
                changed = sorted(k for k in after if after[k] != before.get(k))
                tally.attempt(
                    bool(changed),
                    f"{role or 'anonymous'} {method} {path} "
                    f"({response.status_code}) changed {changed}",
                )
                if site.enough(tally):
                    return tally
    return tally


@planted("safe-methods")
def _dashboard_writes(site: Site, monkeypatch) -> None:
    """The dashboard marks every held comment as seen… by approving it."""
    from sqlalchemy import select

    from cms.extensions import db
    from cms.models import Comment, CommentStatus
    from cms.services.moderation import apply_action

    view = site.app.view_functions["moderation.dashboard"]

    def writing_view(*args, **kwargs):
        held = select(Comment.id).where(Comment.status == CommentStatus.PENDING)
        ids = list(db.session.scalars(held))
        if ids:
            apply_action(ids, "approve", None)
        return view(*args, **kwargs)

    monkeypatch.setitem(site.app.view_functions, "moderation.dashboard", writing_view)
