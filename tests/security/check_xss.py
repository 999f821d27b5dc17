"""ASVS 1.2/1.3 (stored XSS, found by parsing): every payload of the shared
list as a comment's name, site and body and in an article's Markdown,
rendered on the article page, the moderation queue, the feed and the
editors' notification mail. FOUND: executable things on a surface beyond
what the same surface has without payloads (script elements, event-handler
attributes, `style`/`srcdoc` attributes, frames and objects, script URLs in
any spelling)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, Comment, User
from tests.security.harness import Site, Tally, check, planted
from tests.security.vectors import beyond, every_page, feed_items, payloads


def _surfaces(site: Site, public_id: str) -> dict[str, list[str]]:
    """Each surface's HTML as it is now."""
    from cms.services.notify import held_mail

    staff = site.client("editor")
    reader = site.app.test_client()

    def read(client):
        return lambda path: client.get(path).get_data(as_text=True)

    pages = {
        "article page": every_page(read(reader), f"/{public_id}.html"),
        "held queue": every_page(read(staff), "/moderation/comments?status=pending"),
        "approved list": every_page(
            read(staff), "/moderation/comments?status=approved"
        ),
        "feed": [read(reader)("/feed.xml")],
    }
    with site.context():
        editor = db.session.scalar(select(User).where(User.username == "editor"))
        held = db.session.scalars(
            select(Comment)
            .join(Article)
            .where(Article.public_id == public_id, Comment.status == "pending")
        ).all()
        mails = [held_mail(c, editor) for c in held]
        pages["notification mail"] = [m.html or "" for m in mails] or [""]
    return pages


@check("xss")
def run(site: Site) -> Tally:
    from cms.models import ArticleStatus, utcnow
    from cms.services.article_writing import ArticleDraft, create_article
    from tests.factories import make_comment

    tally = Tally("xss")
    # A planted-fault run (site.quick): every sixth payload is enough to see.
    items = payloads()[:: 6 if site.quick else 1]
    with site.context():
        owner = db.session.scalar(select(User).where(User.username == "admin"))
        article = create_article(
            ArticleDraft(
                title="空白的文章",
                body_markdown="正文。",
                owner=owner,
                status=ArticleStatus.PUBLISHED,
                published_at=utcnow(),
            )
        )
        public_id = article.public_id
        for n in range(len(items)):  # full pages of plain comments to compare with
            for status in ("approved", "pending"):
                make_comment(
                    article,
                    body=f"普通的评论 {n}",
                    status=status,
                    author_name=f"读者{n}",
                    author_url="https://example.cn/",
                    author_email=f"r{n}@example.cn",
                )
    baseline = _surfaces(site, public_id)
    with site.context():
        owner = db.session.scalar(select(User).where(User.username == "admin"))
        article = db.session.scalar(
            select(Article).where(Article.public_id == public_id)
        )
        hostile = create_article(
            ArticleDraft(
                title="满是攻击的文章",
                owner=owner,
                status=ArticleStatus.PUBLISHED,
                published_at=utcnow(),
                body_markdown="\n\n".join(items),
            )
        )
        for n, payload in enumerate(items):
            for status in ("approved", "pending"):
                make_comment(
                    article,
                    body=payload,
                    status=status,
                    author_name=payload[:100],
                    author_url=payload[:255],
                    author_email=f"x{n}@example.cn",
                )
        hostile_id = hostile.public_id
    attacked = _surfaces(site, public_id)
    attacked["hostile article"] = [
        site.app.test_client().get(f"/{hostile_id}.html").get_data(as_text=True)
    ]
    baseline["hostile article"] = baseline["article page"]
    attacked["feed entries"] = [feed_items(attacked["feed"][0])]
    baseline["feed entries"] = [feed_items(baseline["feed"][0])]
    slots = {
        "article page": 3,
        "held queue": 3,
        "approved list": 3,
        "feed": 1,
        "notification mail": 3,
        "hostile article": 1,
        "feed entries": 1,
    }
    for surface, pages in attacked.items():
        extra: Counter[str] = Counter()
        for html in pages:  # each page against the same surface without payloads
            extra += beyond(html, baseline[surface][0])
        found = sum(extra.values())
        for n in range(len(items) * slots[surface]):
            tally.attempt(n < found, f"{surface}: {dict(extra)}" if n == 0 else "")
    return tally


class _NoCleaning:
    def clean(self, html: str) -> str:
        return html


@planted("xss")
def _sanitizer_off(site: Site, monkeypatch) -> None:
    monkeypatch.setattr("cms.text.markdown._cleaner", _NoCleaning)
