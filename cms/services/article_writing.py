"""Writing articles: the one renderer of bodies (Markdown or imported HTML,
sanitised, image sizes added), what a save derives from the source and title
through the word rules (HTML, reading time and table of contents, summary,
the title readers see), renditions for `flask cms rerender`, and creating a
new article. Every write happens in the caller's unit of work or in one of
its own (create_article), which emits ArticleChanged after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app

from cms.database import write_transaction
from cms.events import ArticleChanged, emit
from cms.extensions import db
from cms.models import Article, ArticleStatus, User, utcnow
from cms.services.errors import InvalidInput
from cms.services.media_html import add_image_sizes
from cms.services.taxonomy import category_named, tags_named
from cms.services.wordrules import filter_article_source, public_title_of
from cms.text.excerpt import derive_excerpt
from cms.text.markdown import render_markdown, sanitize_html
from cms.text.wordfilter import Matcher

MAX_TITLE_LENGTH = 200


def _site_host() -> str | None:
    return urlsplit(current_app.config["SITE_URL"]).hostname


def render_body(markdown: str, body_format: str = "markdown") -> str:
    """Markdown to the sanitised HTML readers get: the one renderer of article
    and page bodies and of the editor's preview, so they never disagree.
    An "html" body (imported) is sanitised the same way, not parsed."""
    if body_format == "html":
        return add_image_sizes(sanitize_html(markdown, _site_host()))
    return add_image_sizes(render_markdown(markdown, _site_host()))


def apply_title(article: Article, title: str) -> None:
    """Set the title as written and re-derive the title readers see from it
    (through the word rules of the `articles` scope, with the article's
    title exemptions; cms.services.wordrules)."""
    article.title = title
    article.public_title = public_title_of(article.id, title)


def apply_body(article: Article, markdown: str, excerpt: str = "") -> None:
    """Set the source and written excerpt, and re-derive the HTML, what the
    article page reads from it (Article.set_body_html) and the summary from
    them. The HTML (and a written excerpt's summary) readers get is
    filtered by the word rules of the `articles` scope
    (cms.services.wordrules); the source stays as written."""
    article.body_markdown = markdown
    article.excerpt = excerpt.strip()
    filtered = filter_article_source(article.id, markdown).text
    article.set_body_html(render_body(filtered, article.body_format or "markdown"))
    written = filter_article_source(article.id, article.excerpt).text
    article.summary = written or derive_excerpt(article.body_html)


@dataclass(frozen=True)
class Rendition:
    """What readers get of an article: its HTML, summary and title."""

    body_html: str
    summary: str
    public_title: str


def rendition_of(article: Article, matcher: Matcher | None = None) -> Rendition:
    """The article's rendition as a save would make it now: its body_format's
    renderer, the word rules of the `articles` scope with its exemptions
    (`matcher`: the rules to use, the site's by default). Reads only."""
    filtered = filter_article_source(article.id, article.body_markdown, matcher).text
    html = render_body(filtered, article.body_format or "markdown")
    written = filter_article_source(article.id, article.excerpt, matcher).text
    return Rendition(
        html,
        written or derive_excerpt(html),
        public_title_of(article.id, article.title, matcher),
    )


def rendition_changes(article: Article, now: Rendition) -> frozenset[str]:
    """The fields of ArticleChanged ("body", "title") a rendition changes;
    "body" also when only what is derived from the HTML (reading time, table
    of contents) is not what the current code derives."""
    fields = set()
    if now.summary != article.summary or article.body_differs(now.body_html):
        fields.add("body")
    if now.public_title != article.public_title:
        fields.add("title")
    return frozenset(fields)


def rerender_article(
    article: Article, matcher: Matcher | None = None
) -> frozenset[str]:
    """Store the article's rendition again from its source and title (see
    rendition_of; the source is not touched; the caller's write transaction
    stores it). The fields that changed, empty when nothing did."""
    now = rendition_of(article, matcher)
    fields = rendition_changes(article, now)
    if fields:
        article.set_body_html(now.body_html)
        article.summary = now.summary
        article.public_title = now.public_title
    return fields


@dataclass
class ArticleDraft:
    """What a writer gives for a new article."""

    title: str
    body_markdown: str
    owner: User
    excerpt: str = ""
    status: ArticleStatus = ArticleStatus.DRAFT
    published_at: datetime | None = None
    contributor: str = ""
    category: str | None = None
    tags: tuple[str, ...] = ()
    allow_comments: bool = True
    public_id: str | None = None
    view_count: int = 0
    source: str = "original"  # or "reprint" (转载) from source_url
    source_url: str = ""


def create_article(draft: ArticleDraft) -> Article:
    """Store a new article, rendered, with its category and tags (created when
    new). Publishing without a time publishes now. InvalidInput for an empty or
    over-long title; nothing is stored then."""
    title = draft.title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"标题须为 1-{MAX_TITLE_LENGTH} 个字符")
    published_at = draft.published_at
    if published_at is not None and published_at.tzinfo is None:
        raise InvalidInput("发布时间须带时区")
    if draft.status == ArticleStatus.PUBLISHED and published_at is None:
        published_at = utcnow()
    with write_transaction():
        article = Article(
            owner=draft.owner,
            status=draft.status,
            published_at=published_at,
            contributor=draft.contributor.strip(),
            allow_comments=draft.allow_comments,
            view_count=draft.view_count,
            source=draft.source,
            source_url=draft.source_url.strip(),
        )
        if draft.public_id:
            article.public_id = draft.public_id
        db.session.add(article)
        apply_title(article, title)
        apply_body(article, draft.body_markdown, draft.excerpt)
        article.category = category_named(draft.category) if draft.category else None
        article.tags = tags_named(list(draft.tags))
        db.session.flush()
        emit(
            ArticleChanged(
                article.id,
                frozenset({"created"}),
                after_status=article.status.value,
                public_id=article.public_id,
            )
        )
    return article
