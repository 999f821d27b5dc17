"""The Content-Security-Policy and the other security headers, and the
analytics code served under it."""

from __future__ import annotations

import re

import pytest

from cms.services.settings import set_setting
from tests.factories import make_article
from tests.settings_page.conftest import PAGE, parse

BAIDU = """<script>
var _hmt = _hmt || [];
(function() {
  var hm = document.createElement("script");
  hm.src = "https://hm.baidu.com/hm.js?0123456789abcdef";
  var s = document.getElementsByTagName("script")[0];
  s.parentNode.insertBefore(hm, s);
})();
</script>"""
GOOGLE = """<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-ABC123');
</script>"""


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";"))}


@pytest.fixture
def article_path(app):
    with app.app_context():
        return f"/{make_article(title='一篇文章').public_id}.html"


def test_every_html_page_has_a_strict_policy(client, article_path):
    for path in ("/", article_path, "/auth/login", "/no-such-page"):
        response = client.get(path)
        assert response.mimetype == "text/html"
        header = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in header and "unsafe-eval" not in header, path
        directives = policy(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"]
        assert directives["form-action"] == ["'self'"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Frame-Options"] == "DENY"


def nonce_of(response) -> str:
    (source,) = [s for s in policy(response)["script-src"] if s.startswith("'nonce-")]
    return source[len("'nonce-") : -1]


def test_readers_pages_have_nothing_per_request_for_the_page_cache(
    client, article_path
):
    first, second = client.get(article_path), client.get(article_path)
    header = first.headers["Content-Security-Policy"]
    assert header == second.headers["Content-Security-Policy"]
    assert "nonce-" not in header
    assert policy(first)["script-src"] == ["'self'"]
    scripts = parse(first).select("script")
    assert scripts, "the article page has scripts"
    for script in scripts:
        assert not script.has_attr("nonce")
        assert script.get("src", "").startswith("/static/") or (
            script.get("type") == "application/ld+json"  # data, never run
        )


def test_the_staffs_pages_keep_a_nonce_per_request(staff):
    first, second = staff.get(PAGE), staff.get(PAGE)
    nonce = nonce_of(first)
    assert len(nonce) >= 20 and re.fullmatch(r"[A-Za-z0-9_-]+", nonce)
    assert nonce != nonce_of(second)


def test_other_answers_get_the_plain_headers_and_a_closed_policy(client):
    """A file opened on its own (an SVG, a feed) runs nothing and is framed
    nowhere."""
    for path in ("/static/css/site.css", "/static/img/logo.svg", "/feed.xml"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        directives = policy(response)
        assert directives["default-src"] == ["'none'"], path
        assert directives["frame-ancestors"] == ["'none'"], path
        assert "sandbox" in directives, path


def _baidu(response):
    scripts = parse(response).select("script")
    return [s for s in scripts if "hm.baidu.com" in s.get("src", "")]


def test_baidu_code_is_served_as_its_external_script_on_readers_pages(
    app, client, article_path
):
    with app.app_context():
        set_setting("site.analytics", BAIDU)
    for path in ("/", article_path):
        response = client.get(path)
        (script,) = _baidu(response)
        assert not script.has_attr("nonce")  # allowed by its host
        assert script["src"] == "https://hm.baidu.com/hm.js?0123456789abcdef"
        assert script.text == ""  # no inline code is ever served
        assert script.find_parent("body") is not None
        assert "_hmt" not in response.get_data(as_text=True)
        assert "https://hm.baidu.com" in policy(response)["script-src"]
        assert "'unsafe-inline'" not in policy(response)["script-src"]


def test_google_tag_keeps_its_order_and_runs_its_setup_from_our_file(app, client):
    with app.app_context():
        set_setting("site.analytics", GOOGLE)
    response = client.get("/")
    scripts = [s for s in parse(response).select("body script")]
    external, loader = scripts[-2:]
    assert external["src"] == "https://www.googletagmanager.com/gtag/js?id=G-ABC123"
    assert external.has_attr("async")
    assert loader["src"] == "/static/js/analytics.js"
    assert loader["data-vendor"] == "google" and loader["data-id"] == "G-ABC123"
    assert not external.has_attr("nonce") and not loader.has_attr("nonce")
    assert "gtag(" not in response.get_data(as_text=True)
    assert "Google tag" not in response.get_data(as_text=True)  # comment dropped
    directives = policy(response)
    assert "https://www.googletagmanager.com" in directives["script-src"]
    assert "https://*.google-analytics.com" in directives["connect-src"]


@pytest.mark.parametrize("path", ["/moderation/", PAGE, "/auth/login"])
def test_no_analytics_on_the_staff_pages(app, client, login, editor, path):
    with app.app_context():
        set_setting("site.analytics", BAIDU)
    if path != "/auth/login":
        login(editor)
    response = client.get(path)
    assert response.status_code == 200
    assert not _baidu(response)
    assert "hm.baidu.com" not in response.headers["Content-Security-Policy"]


def test_the_settings_page_works_under_the_policy(staff):
    response = staff.get(PAGE)
    nonce = nonce_of(response)
    soup = parse(response)
    (script,) = soup.select("script")
    assert script["src"] == "/static/js/settings.js"
    assert script["nonce"] == nonce
    # No inline style or event handler that the policy would block.
    assert not soup.select("[style]")
    assert not [
        t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)
    ]
