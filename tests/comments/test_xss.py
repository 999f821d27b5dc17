"""Readers' text never becomes active HTML: every payload of the shared XSS
list, stored as name, site and body and approved, renders inert."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cms.extensions import db
from cms.models import Article, CommentStatus
from cms.services.comments import submit_comment
from cms.services.moderation import set_status
from cms.services.spam import Candidate
from cms.text.names import clean_name
from tests.comments.support import (
    SITE_ORIGIN,
    article_path,
    parse,
    read_form,
    rows,
)
from tests.factories import make_article, make_comment

# The shared list (MIT, see tests/text/LICENSE-xss-payloads-MIT.txt); the copy
# in tests/text lets the suite run from a fresh clone.
PAYLOAD_FILE = next(
    (
        path
        for path in (
            Path(__file__).resolve().parents[1] / "text" / "xss-payloads.txt",
            Path("/work/shared/data/xss/payloads.txt"),
        )
        if path.exists()
    ),
    Path("/work/shared/data/xss/payloads.txt"),
)
BATCH = 50

# Tags the comments section is made of; anything else came from a reader.
ALLOWED_TAGS = {
    "section", "h2", "ol", "li", "article", "header", "span", "a", "time", "div",
    "p", "br", "nav", "svg", "rect", "path", "form", "input", "label", "textarea",
    "button", "ul",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset",
                  "background", "poster", "data", "codebase", "cite"}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
# What browsers ignore when they read a URL attribute: leading and trailing C0
# controls and spaces, and tabs and newlines anywhere.
_URL_EDGES = "".join(chr(c) for c in range(0x21))
_URL_INSIDE = re.compile(r"[\t\n\r]")


def _payloads() -> list[str]:
    if not PAYLOAD_FILE.exists():
        return []
    # One payload a line, kept as it is (a TAB included): split on \n only.
    lines = PAYLOAD_FILE.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line]


PAYLOADS = _payloads()
BATCHES = [PAYLOADS[i : i + BATCH] for i in range(0, len(PAYLOADS), BATCH)]
needs_payloads = pytest.mark.skipif(not PAYLOADS, reason=f"{PAYLOAD_FILE} is missing")


def test_the_payload_list_is_complete():
    if not PAYLOAD_FILE.exists():
        pytest.skip(f"{PAYLOAD_FILE} is missing")
    assert len(PAYLOADS) == 233
    assert any("\t" in p for p in PAYLOADS)


def _as_browser_reads(url: str) -> str:
    return _URL_INSIDE.sub("", url.strip(_URL_EDGES)).lower()


def assert_inert(element) -> None:
    """No script, no event handler, no script URL anywhere under `element`."""
    assert element is not None
    assert element.find("script") is None
    for tag in [element, *element.find_all(True)]:
        assert tag.name in ALLOWED_TAGS, f"a reader's <{tag.name}> is active"
        for name, value in tag.attrs.items():
            name = name.lower()
            assert not name.startswith("on"), f"<{tag.name} {name}=…>"
            assert name != "style", f"<{tag.name} style=…>"
            if name in URL_ATTRIBUTES:
                text = value if isinstance(value, str) else " ".join(value)
                assert not _as_browser_reads(text).startswith(BAD_SCHEMES), (
                    f"<{tag.name} {name}={text!r}>"
                )


def assert_page_inert(page) -> None:
    assert_inert(page.select_one("#comments"))
    assert_inert(page.select_one("#respond"))
    # The page's own scripts only.
    for script in page.find_all("script"):
        assert script.get("type") == "application/ld+json" or script.get(
            "src", ""
        ).startswith("/static/js/"), str(script)[:200]


def test_the_check_itself_catches_active_markup():
    """assert_inert must fail on what it is meant to find."""
    from bs4 import BeautifulSoup

    for html in [
        "<section><script>alert(1)</script></section>",
        '<section><a href=" java\tscript:alert(1)">x</a></section>',
        '<section><a href="DATA:text/html,x">x</a></section>',
        '<section><span onmouseover="x">x</span></section>',
        '<section><img src="x"></section>',
    ]:
        with pytest.raises(AssertionError):
            assert_inert(BeautifulSoup(html, "html.parser").section)


@needs_payloads
@pytest.mark.parametrize("batch", range(len(BATCHES)) or [0])
def test_stored_payloads_render_inert(app, client, writer, settings, batch):
    """Stored as they are, as an import would keep them (the form's shape
    rules bypassed): name, e-mail, site and body."""
    payloads = BATCHES[batch]
    settings(comments__flood_seconds="0")
    with app.app_context():
        article = make_article(owner=writer)
        ids = []
        for n, payload in enumerate(payloads):
            candidate = Candidate(
                author_name=payload[:255], author_email=f"x{n}@example.cn",
                author_url=payload, body=payload, ip=f"198.51.100.{n}",
            )  # fmt: skip
            ids.append(submit_comment(article, candidate).comment.id)
        set_status(ids, CommentStatus.APPROVED, None)
        assert db.session.get(Article, article.id).comment_count == len(payloads)

    page = parse(client.get(article_path(article.public_id)))

    assert_page_inert(page)
    items = page.select("#comments li[id^=comment-]")
    assert len(items) == len(payloads)
    for item, payload in zip(items, payloads, strict=True):
        # Shown as text, character for character.
        assert item.select_one(".comment-text").get_text() == payload.strip()
        # The name as stored: without invisible characters, spaces collapsed.
        name = item.select_one(".comment-author").get_text().strip()
        assert name == clean_name(payload[:255])


@needs_payloads
@pytest.mark.parametrize("batch", range(len(BATCHES)) or [0])
def test_payloads_posted_through_the_form_render_inert(
    app, client, writer, settings, batch
):
    payloads = BATCHES[batch]
    settings(
        comments__hold_first="false",
        comments__flood_seconds="0",
        comments__min_submit_seconds="0",
    )
    with app.app_context():
        article = make_article(owner=writer)
    action, form = read_form(client, article.public_id)

    for n, payload in enumerate(payloads):
        # As a site: refused (not http), and the form that comes back is inert.
        refused = client.post(
            action,
            data=form | {"author": f"读者{n}", "email": f"r{n}@example.cn",
                         "url": payload, "body": f"正文 {n}"},
            headers={"Origin": SITE_ORIGIN},
        )  # fmt: skip
        assert refused.status_code == 400
        back = parse(refused)
        assert_page_inert(back)
        assert back.select_one("#respond input[name=url]")["value"] == payload.strip()
        # As name and body: accepted.
        accepted = client.post(
            action,
            data=form | {"author": payload[:50], "email": f"r{n}@example.cn",
                         "body": payload},
            headers={"Origin": SITE_ORIGIN},
        )  # fmt: skip
        assert accepted.status_code == 303, payload

    with app.app_context():
        stored = rows(article.id)
        assert len(stored) == len(payloads)
        set_status([r.id for r in stored], CommentStatus.APPROVED, None)
    page = parse(client.get(article_path(article.public_id)))

    assert_page_inert(page)
    texts = [t.get_text() for t in page.select("#comments .comment-text")]
    assert texts == [r.body for r in stored]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/",
    ],
)
def test_a_stored_site_that_is_not_http_is_not_linked(app, client, article, url):
    """Imports keep what the old site stored; the page links http(s) only."""
    with app.app_context():
        make_comment(article, author_name="导入的读者", author_url=url)

    page = parse(client.get(article_path(article.public_id)))

    assert_page_inert(page)
    author = page.select_one("#comments .comment-author")
    assert author.get_text(strip=True) == "导入的读者"
    assert author.select_one("a") is None


@pytest.mark.parametrize("url", ["http://blog.example.cn/", "HTTPS://Blog.example.cn"])
def test_an_http_site_is_linked_nofollow(app, client, article, url):
    with app.app_context():
        make_comment(article, author_name="博主", author_url=url)

    page = parse(client.get(article_path(article.public_id)))

    link = page.select_one("#comments .comment-author a")
    assert link["href"] == url
    assert {"nofollow", "ugc"} <= set(link["rel"])
    assert link.get_text() == "博主"


def test_links_in_the_body_are_nofollow_and_escaped(app, client, article):
    body = 'see http://a.example/?q="><script>x</script> and https://b.example/x.'
    with app.app_context():
        make_comment(article, body=body)

    page = parse(client.get(article_path(article.public_id)))

    assert_page_inert(page)
    text = page.select_one("#comments .comment-text")
    assert text.get_text() == body
    hrefs = [a["href"] for a in text.select("a")]
    assert hrefs == ["http://a.example/?q=", "https://b.example/x"]
    assert all("nofollow" in a["rel"] for a in text.select("a"))
