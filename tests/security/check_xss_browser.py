"""ASVS 1.2/1.3 (stored XSS, in a real browser): every payload of the shared
list (tests/security/vectors.py), marked so that it names itself when it runs
(tests/security/browser.py), stored at once as the name, site and body of
comments, approved and held, on one article, and as one article's Markdown.
Chromium opens, on a live server: the article page (every page of its
comments) and the hostile article as a reader; the feed's entries as a feed
reader would show them; the held queue and the approved list (every page) as
an editor. The notification mail has no HTML part (plain text only): nothing
there for a browser to run (check_xss parses it).
FOUND: payloads that ran (marker calls, dialogs, scripts and frames
requested) or wait for a click or a hover (handlers, script URLs), per page;
TRIED: payloads × places (name, site, body on each comment page; the
Markdown on the article and in the feed)."""

from __future__ import annotations

from sqlalchemy import select

from cms.extensions import db
from cms.models import User
from tests.security.browser import (
    browsing,
    mark,
    marked,
    tally_hits,
    watch,
)
from tests.security.harness import Site, Tally, check, planted
from tests.security.vectors import every_page, feed_items, payloads

# Marker numbers: a place's code times 1000, plus the payload's index.
NAME, SITE, BODY, MARKDOWN = 1, 2, 3, 4
FEED_PATH = "/__feed-entries.html"


def _store(site: Site, items: list[str]) -> tuple[str, str]:
    """The commented article and the hostile one (public ids)."""
    from cms.models import ArticleStatus, utcnow
    from cms.services.article_writing import ArticleDraft, create_article
    from tests.factories import make_comment

    with site.context():
        owner = db.session.scalar(select(User).where(User.username == "admin"))

        def article(title: str, body: str):
            return create_article(
                ArticleDraft(
                    title=title,
                    body_markdown=body,
                    owner=owner,
                    status=ArticleStatus.PUBLISHED,
                    published_at=utcnow(),
                )
            )

        commented = article("评论里满是攻击的文章", "正文。")
        for n, payload in enumerate(items):
            for status in ("approved", "pending"):
                make_comment(
                    commented,
                    body=marked(payload, mark(BODY * 1000 + n)),
                    status=status,
                    author_name=marked(payload, mark(NAME * 1000 + n))[:100],
                    author_url=marked(payload, mark(SITE * 1000 + n))[:255],
                    author_email=f"xb{n}@example.cn",
                )
        markdown = [marked(p, mark(MARKDOWN * 1000 + n)) for n, p in enumerate(items)]
        hostile = article("满是攻击的文章（浏览器）", "\n\n".join(markdown))
        return commented.public_id, hostile.public_id


def _numbers(count: int, *codes: int) -> list[int]:
    return [mark(code * 1000 + n) for code in codes for n in range(count)]


@check("xss-browser")
def run(site: Site) -> Tally:
    tally = Tally("xss-browser")
    items = payloads()[:: 6 if site.quick else 1]
    commented, hostile = _store(site, items)
    feed = feed_items(site.app.test_client().get("/feed.xml").get_data(as_text=True))
    comments = _numbers(len(items), NAME, SITE, BODY)
    places = {
        "article page": comments,
        "hostile article": _numbers(len(items), MARKDOWN),
        "feed entries": _numbers(len(items), MARKDOWN),
        "held queue": comments,
        "approved list": comments,
    }
    with browsing(site) as (origin, browser):
        reader = watch(browser, origin)
        page = reader.new_page()
        reader.prove(page)
        every_page(lambda p: reader.load(page, p, "article page"), f"/{commented}.html")
        reader.load(page, f"/{hostile}.html", "hostile article")
        reader.screenshot(page, "xss-browser-hostile-article")
        reader.show(FEED_PATH, f"<!doctype html><meta charset=utf-8><body>{feed}")
        reader.load(page, FEED_PATH, "feed entries")
        editor = watch(browser, origin)
        page = editor.new_page()
        editor.log_in(page, "editor")
        for status, where in (("pending", "held queue"), ("approved", "approved list")):
            path = f"/moderation/comments?status={status}&article={commented}"
            every_page(lambda p, w=where: editor.load(page, p, w), path)
        editor.screenshot(page, "xss-browser-approved-list")
        for context in (reader.context, editor.context):
            context.close()
    tally_hits(tally, reader.hits + editor.hits, places)
    return tally


class _NoCleaning:
    def clean(self, html: str) -> str:
        return html


@planted("xss-browser")
def _sanitizer_off(site: Site, monkeypatch) -> None:
    monkeypatch.setattr("cms.text.markdown._cleaner", _NoCleaning)
