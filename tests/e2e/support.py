"""What the browser tests share besides fixtures: paths, sizes, skip helpers."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

REFERENCE_PATH = "/fb8e1C2pWVwldAVU.html"
# The demo's reference article is filed under 催收与逾期, whose pinyin slug is this.
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}

# When set, the screenshot test also writes its PNGs there (for a person to look at).
SHOTS_DIR_ENV = "CMS_E2E_SHOTS"


def require_browser() -> None:
    """Skip the calling test module when Playwright or Debian's Chromium is absent.

    Called at module level, so `make test` passes (with a clear skip line) on a
    machine without them. Playwright's own browser downloads are never used:
    the tests drive the Chromium that Debian packages."""
    pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (requirements-dev)"
    )
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium package to run "
            "the browser tests",
            allow_module_level=True,
        )


def shots_dir() -> Path | None:
    """The extra screenshot folder named by CMS_E2E_SHOTS, created; else None."""
    value = os.environ.get(SHOTS_DIR_ENV)
    if not value:
        return None
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


def parse_rgb(value: str) -> tuple[float, float, float]:
    """'rgb(1, 2, 3)' or an opaque 'rgba(1, 2, 3, 1)' as three 0-255 numbers."""
    inside = value[value.index("(") + 1 : value.rindex(")")]
    parts = [
        float(p) for p in inside.replace("/", ",").replace(" ", ",").split(",") if p
    ]
    if len(parts) == 4:
        assert parts[3] == 1, f"expected an opaque colour, got {value}"
    return parts[0], parts[1], parts[2]


def luminance(value: str) -> float:
    """WCAG 2 relative luminance of a CSS rgb() colour."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in parse_rgb(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two CSS rgb() colours (1 to 21)."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


class _Deferred:
    """The WSGI app, filled in once the port (and so SITE_URL) is known."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@contextmanager
def serve(make_app: Callable[[str], Any]) -> Iterator[tuple[str, Any]]:
    """A threaded WSGI server on a free port of 127.0.0.1. `make_app` gets the
    server's origin (so SITE_URL can be it) and returns the app to serve;
    yields (origin, app); the server is stopped on the way out."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any) -> None:  # errors are still logged
            pass

    wsgi = _Deferred()
    server = make_server("127.0.0.1", 0, wsgi, threaded=True, request_handler=Quiet)
    origin = f"http://127.0.0.1:{server.server_port}"
    try:
        wsgi.app = make_app(origin)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield origin, wsgi.app
        finally:
            server.shutdown()
            thread.join(timeout=5)
    finally:
        server.server_close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never Playwright's
    own browser downloads); closed on the way out."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def own_site(database: Path, seed: Callable[[], Any], **config) -> Iterator[tuple]:
    """A live server of a test's own, on a migrated SQLite file, for browser
    tests that need the server's database (the shared `live_server` does not
    expose it). `seed` runs in an app context; yields (origin, app, its result)."""
    from flask_migrate import upgrade

    from cms import create_app
    from cms.extensions import db

    built, seeded = [], []

    def build(origin: str):
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SITE_URL": origin,
             "TESTING": False, "REDIS_URL": None} | config
        )  # fmt: skip
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            seeded.append(seed())
            db.session.remove()
        built.append(app)
        return app

    try:
        with serve(build) as (origin, app):
            yield origin, app, seeded[0]
    finally:
        for app in built:
            with app.app_context():
                db.engine.dispose()


# axe-core's run over the page: every violation with its impact and (up to
# five) offending nodes.
RUN_AXE = """async (context) => {
    const result = await axe.run(context || document, {resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5)
            .map(n => n.target.join(' ') + ': ' + n.failureSummary),
    }));
}"""


def inject_axe(page) -> None:
    """Load axe-core into the page. It is evaluated through the DevTools
    protocol, not added as a <script>: the site's Content-Security-Policy
    (rightly) refuses scripts without its nonce, and stays on for the test."""
    page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")


def serious_axe_violations(page, context: str | None = None) -> list[str]:
    """axe-core's serious and critical violations on the loaded page (or in
    the element `context` selects), one readable line each."""
    inject_axe(page)
    return [
        f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in page.evaluate(RUN_AXE, context)
        if v["impact"] in ("serious", "critical")
    ]


def log_in(page, origin: str, username: str, next_path: str) -> None:
    """Log in through the login form (test password) and land on `next_path`."""
    page.goto(f"{origin}/auth/login?next={next_path}")
    page.fill("[name=username]", username)
    page.fill("[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[method=post] button[type=submit]")
    assert page.url == origin + next_path
