"""ASVS 3.4 (browser security headers) on every kind of answer: pages (from
the app and from the page cache), errors, static files, QR codes, media,
feeds, the staff's pages. FOUND: an answer missing a header or with a weak
value (one count per answer and header)."""

from __future__ import annotations

import io
import re

from bs4 import BeautifulSoup
from PIL import Image

from tests.security.harness import Site, Tally, _app, check, planted


def _policy(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def problems(response) -> list[str]:
    """What is missing or weak in one answer's headers."""
    headers = response.headers
    found = []
    if headers.get("X-Content-Type-Options") != "nosniff":
        found.append("nosniff")
    if not headers.get("Referrer-Policy"):
        found.append("Referrer-Policy")
    if re.search(r"\d", headers.get("Server", "")):
        found.append("a version in Server")
    policy = headers.get("Content-Security-Policy")
    if not policy:
        return [*found, "Content-Security-Policy"]
    directives = _policy(policy)
    if directives.get("frame-ancestors") != ["'none'"]:
        found.append("frame-ancestors 'none'")
    if response.mimetype == "text/html":
        scripts = directives.get("script-src", directives.get("default-src"))
        if scripts is None or {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(scripts):
            found.append("script-src without unsafe-inline")
        if headers.get("X-Frame-Options") != "DENY":
            found.append("X-Frame-Options DENY")
    return found


def _a_media_key(site: Site) -> str:
    from cms.services.media_library import store_upload

    out = io.BytesIO()
    Image.new("RGB", (1200, 800), (90, 140, 200)).save(out, "JPEG")
    with site.context():
        owner = store_upload(out.getvalue(), site.targets["other_user"])
        return owner.media.key


def _paths(site: Site) -> list[str]:
    reader = site.app.test_client()
    page = reader.get(f"/{site.reference}.html").get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    found = [f"/{site.reference}.html", f"/{site.reference}.html", "/", "/"]
    found += [tag["href"] for tag in soup.select("link[rel=stylesheet]")][:2]
    found += [tag["src"] for tag in soup.select("script[src]")][:2]
    found += [tag["src"] for tag in soup.select("img[data-pay]")][:1]
    found += [a["href"] for a in soup.select("a[href^='/category/']")][:1]
    key = _a_media_key(site)
    stem = key.rsplit(".", 1)[0]
    found += [f"/media/{key}", f"/media/{stem}-480.webp", "/media/ab/nothing.png"]
    found += [
        "/search?q=催收",
        "/archive/",
        "/feed.xml",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        "/no-such-page",
        "/auth/login",
        f"/{site.reference}.html?page=abc",
        "/category/%ff/",
    ]
    return found


@check("headers")
def run(site: Site) -> Tally:
    tally = Tally("headers")
    reader = site.app.test_client()
    for path in _paths(site):
        response = reader.get(path)
        for missing in problems(response) or [None]:
            tally.attempt(
                missing is not None, f"{path} ({response.status_code}): {missing}"
            )
    # Method not allowed, and the staff's pages.
    response = reader.get("/auth/logout")
    tally.attempt(bool(problems(response)), f"GET /auth/logout: {problems(response)}")
    staff = site.client("admin")
    for path in ("/moderation/", "/moderation/comments", "/moderation/settings"):
        response = staff.get(path)
        tally.attempt(bool(problems(response)), f"{path}: {problems(response)}")
    # Production (HTTPS): HSTS on every answer.
    secure = _app(
        site.folder, {"SITE_URL": "https://www.example.cn", "HSTS_SECONDS": 31536000}
    )
    for path in ("/", "/healthz", "/no-such-page"):
        response = secure.test_client().get(path, base_url="https://www.example.cn")
        hsts = response.headers.get("Strict-Transport-Security", "")
        tally.attempt(not hsts.startswith("max-age="), f"HSTS on {path}: {hsts!r}")
    return tally


@planted("headers")
def _no_headers(site: Site, monkeypatch) -> None:
    from cms.security import _add_headers

    site.app.after_request_funcs[None].remove(_add_headers)
