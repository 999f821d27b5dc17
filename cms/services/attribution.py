"""What an article page says about its origin: the reprint notice and JSON-LD."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app
from markupsafe import Markup

from cms.extensions import db
from cms.services.articles import TagLink, visible_articles
from cms.services.published import ShownArticle
from cms.services.settings import current_settings, spec_for
from cms.text.notice import render_notice

SAMPLE_ARTICLE = {"contributor": "张三", "title": "示例文章标题"}
# A reprint (转载) names and links its original instead of the site's own
# reprint notice, which would claim the article for the site.
REPRINT_NOTICE = "本文转载自{source_url}，版权归原作者所有，不代表{site_name}立场。"


def canonical_url(article: ShownArticle) -> str:
    """The article's one public address, under SITE_URL."""
    return f"{current_app.config['SITE_URL']}/{article.public_id}.html"


def attribution_for(
    article: ShownArticle | None, template: str | None = None
) -> Markup:
    """The reprint notice (the `site.reprint_notice` template, or `template`)
    filled in for this article (escaped HTML); `article` None fills in sample
    values, for previews on a site without articles. A reprint (转载) with its
    original's address gets REPRINT_NOTICE, linking to the original."""
    settings = current_settings()
    if article is not None and template is None and is_reprint(article):
        values = {"source_url": article.source_url, "site_name": settings["site.name"]}
        return render_notice(REPRINT_NOTICE, values, "source_url")
    if article is None:
        values = SAMPLE_ARTICLE | {
            "canonical_url": f"{current_app.config['SITE_URL']}/0123456789abcdef.html"
        }
    else:
        values = {
            "contributor": article.credited,
            "canonical_url": canonical_url(article),
            "title": article.public_title,
        }
    values["site_name"] = settings["site.name"]
    notice = settings["site.reprint_notice"] if template is None else template
    return render_notice(notice, values, "canonical_url")


def is_reprint(article: ShownArticle) -> bool:
    """转载 from a known original (an original without a link is 原创)."""
    return article.source == "reprint" and bool(article.source_url)


def preview_notice(template: str) -> Markup:
    """`template` filled in as the article page would fill it, for the newest
    article readers can see (sample values on a site without one);
    InvalidInput when the setting would refuse the template."""
    checked = spec_for("site.reprint_notice").coerce(template)
    newest = db.session.scalars(visible_articles().limit(1)).first()
    return attribution_for(newest, checked)


def structured_data(article: ShownArticle, tags: Sequence[TagLink]) -> dict[str, Any]:
    """schema.org `Article` for search engines (rendered with |tojson);
    `tags`: the article's, as the page shows them."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.public_title,
        "description": article.summary,
        "mainEntityOfPage": canonical_url(article),
        "author": {"@type": "Person", "name": article.credited},
        "publisher": {"@type": "Organization", "name": current_settings()["site.name"]},
        "dateModified": article.updated_at.isoformat(timespec="seconds"),
    }
    if is_reprint(article):
        data["isBasedOn"] = article.source_url
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat(timespec="seconds")
    if article.category:
        data["articleSection"] = article.category.name
    if tags:
        data["keywords"] = ",".join(tag.name for tag in tags)
    return data
