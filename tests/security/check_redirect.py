"""ASVS 3.7.2 (open redirect): every `next` a request can carry leads to a
page of this site, however it is spelled. FOUND: an answer whose Location a
browser would follow off the site (or to a script URL)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from tests.security.harness import PASSWORD, Site, Tally, check, form_token, planted

TARGETS = [
    "https://evil.example",
    "//evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "http:evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    " //evil.example",
    "\t//evil.example",
    "\n/\\evil.example",
    "/\t/evil.example",
    "/ /evil.example",
    "http://localhost@evil.example",
    "//evil.example/%2F..",
    "/.//evil.example",
    "data:text/html,<script>1</script>",
    "https://evil.example/moderation/",
    "//evil.example@localhost/",
    "/\u3002evil.example",
    "///evil.example/",
    "\\/evil.example",
]
HOST = "localhost"
# What browsers ignore or change when they read a URL.
_IGNORED = re.compile(r"[\t\n\r]")


def leaves_the_site(location: str | None) -> bool:
    """Whether a browser at http://localhost/ would follow `location` off the
    site or into a script."""
    if not location:
        return False
    seen = _IGNORED.sub("", location.strip("\x00 \x0c")).replace("\\", "/")
    if re.match(r"(?i)\s*(javascript|vbscript|data):", seen):
        return True
    target = urlsplit(urljoin(f"http://{HOST}/auth/login", seen))
    return target.hostname not in (HOST, None)


@check("open-redirect")
def run(site: Site) -> Tally:
    tally = Tally("open-redirect")
    for target in TARGETS:
        # Logging in with ?next=…
        client = site.client()
        page = client.get("/auth/login", query_string={"next": target})
        response = client.post(
            "/auth/login",
            query_string={"next": target},
            data={
                "username": "editor",
                "password": PASSWORD,
                "csrf_token": form_token(page.get_data(as_text=True)),
            },
        )
        where = response.headers.get("Location")
        tally.attempt(leaves_the_site(where), f"login next={target!r} -> {where}")
        # Already logged in, the login page sends on at once.
        response = client.get("/auth/login", query_string={"next": target})
        where = response.headers.get("Location")
        tally.attempt(leaves_the_site(where), f"login (GET) next={target!r} -> {where}")
        # A comment edited from a page that passed its address along.
        comment = site.targets["comment"]
        form = client.get(
            f"/moderation/comments/{comment}/edit", query_string={"next": target}
        )
        response = client.post(
            f"/moderation/comments/{comment}/edit",
            data={
                "body": "改过的评论",
                "next": target,
                "csrf_token": form_token(form.get_data(as_text=True)),
            },
        )
        where = response.headers.get("Location")
        tally.attempt(leaves_the_site(where), f"edit next={target!r} -> {where}")
    return tally


@planted("open-redirect")
def _any_next(site: Site, monkeypatch) -> None:
    for module in ("cms.auth.views", "cms.moderation.rows"):
        monkeypatch.setattr(f"{module}.safe_next", lambda target: target or None)
