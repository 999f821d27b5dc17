"""The Content-Security-Policy in a real browser: with Google's analytics
snippet set, the home page runs its set-up from our own loader
(static/js/analytics.js, allowed by origin; no inline code) and no page breaks
the policy
(home, the reference article, the comment queue, the settings page). The
settings page's notice preview follows the typing. Screenshots of the
settings page at desktop and phone widths, for a person to look at."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.e2e.support import (
    AXE_JS,
    DESKTOP,
    PHONE,
    REFERENCE_PATH,
    log_in,
    own_site,
    require_browser,
    serious_axe_violations,
    shots_dir,
)

require_browser()
pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")

ANALYTICS = """<!-- 统计 -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-ABC123');
</script>"""
# Our loader ran: the set-up's "config" call is in the data layer.
ANALYTICS_RAN = (
    "Array.isArray(window.dataLayer) && window.dataLayer.some("
    "e => e[0] === 'config' && e[1] === 'G-ABC123')"
)
# Collects every CSP violation from the first script on (an init script is
# injected by the browser itself: the page's own policy does not apply to it).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline")
                    + " line " + e.lineNumber);
});
"""


@dataclass(frozen=True)
class CspSite:
    origin: str

    def url(self, path: str) -> str:
        return self.origin + path


def _seed():
    from cms.models import Role
    from cms.services.demo import seed_demo
    from cms.services.settings import set_setting
    from tests.factories import make_user

    seed_demo()
    set_setting("site.analytics", ANALYTICS)
    make_user(username="editor", role=Role.EDITOR, display_name="李编辑",
              password=PASSWORD)  # fmt: skip


@pytest.fixture(scope="module")
def csp_site(tmp_path_factory) -> Iterator[CspSite]:
    database = tmp_path_factory.mktemp("csp") / "csp.sqlite"
    media = tmp_path_factory.mktemp("csp-media")
    with own_site(
        database, _seed, WTF_CSRF_ENABLED=True, MEDIA_URL=f"file://{media}"
    ) as (origin, _app, _):
        yield CspSite(origin)


@pytest.fixture
def page(browser, csp_site):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    own = csp_site.origin + "/"
    context.route(
        lambda url: not url.startswith(own),
        lambda route: route.abort("blockedbyclient"),
    )
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda m: page.console_errors.append(m.text) if m.type == "error" else None,
    )
    yield page
    context.close()


def _violations(page) -> list[str]:
    page.wait_for_timeout(100)  # the event is dispatched asynchronously
    found = page.evaluate("window.__csp")
    found += [m for m in page.console_errors if "Content Security Policy" in m]
    return found


def test_the_home_page_runs_the_analytics_code_without_violations(page, csp_site):
    page.goto(csp_site.url("/"), wait_until="load")
    assert page.evaluate(ANALYTICS_RAN) is True
    assert _violations(page) == []


def test_the_reference_article_breaks_no_rule(page, csp_site):
    page.goto(csp_site.url(REFERENCE_PATH), wait_until="load")
    assert page.locator("article[data-public-id]").count() == 1
    assert page.evaluate(ANALYTICS_RAN) is True
    # comments.js ran (the form works with it) and nothing was blocked.
    assert _violations(page) == []


@pytest.mark.parametrize("path", ["/moderation/comments", "/moderation/settings"])
def test_the_staff_pages_break_no_rule_and_track_nothing(page, csp_site, path):
    log_in(page, csp_site.origin, "editor", path)
    page.wait_for_load_state("load")
    assert page.evaluate(ANALYTICS_RAN) is False
    assert _violations(page) == []


def test_typing_a_notice_updates_its_preview(page, csp_site):
    from playwright.sync_api import expect

    log_in(page, csp_site.origin, "editor", "/moderation/settings")
    preview = page.locator("#notice-preview")
    problem = page.locator("#notice-preview-error")
    assert "如若转载" in preview.inner_text()  # the saved notice, server-rendered

    # expect() polls without eval, which the policy (rightly) forbids.
    page.fill("#site-reprint-notice", "转载请注明：{canonical_url}（{title}）")
    expect(preview).to_contain_text("转载请注明：http")
    link = preview.locator("a")
    assert link.get_attribute("href").startswith(csp_site.origin + "/")
    assert problem.is_hidden()

    page.fill("#site-reprint-notice", "来自{author}")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("未知的占位符 {author}")
    assert _violations(page) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_settings_page_has_no_serious_accessibility_violations(
    page, csp_site, scheme
):
    if not AXE_JS.exists():
        pytest.skip("node_modules/axe-core is missing: run `npm ci`")
    page.emulate_media(color_scheme=scheme)
    log_in(page, csp_site.origin, "editor", "/moderation/settings")
    assert serious_axe_violations(page) == []
    assert _violations(page) == []


def _shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, f"{path} looks blank"
    extra = shots_dir()
    if extra:
        shutil.copy(path, extra / name)
    return path


def test_screenshots_of_the_settings_page(page, csp_site):
    log_in(page, csp_site.origin, "editor", "/moderation/settings")
    _shot(page, "settings-1280.png")
    page.set_viewport_size(PHONE)
    page.reload()
    # No sideways scrolling at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "settings-360.png")
    page.emulate_media(color_scheme="dark")
    with page.expect_navigation():  # past the browser's own number check
        page.evaluate(
            "document.querySelector('[name=\"comments.max_links\"]').type = 'text';"
            "document.querySelector('[name=\"comments.max_links\"]').value = 'abc';"
            "document.querySelector('.settings-form').submit()"
        )
    assert page.locator(".form-error").is_visible()
    _shot(page, "settings-360-dark-error.png")
    assert _violations(page) == []
