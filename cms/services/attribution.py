"""What an article page says about its origin: the reprint notice and JSON-LD."""

from __future__ import annotations

from typing import Any

from flask import current_app
from markupsafe import Markup

from cms.models import Article
from cms.services.settings import current_settings
from cms.text.notice import render_notice


def canonical_url(article: Article) -> str:
    """The article's one public address, under SITE_URL."""
    return f"{current_app.config['SITE_URL']}/{article.public_id}.html"


def attribution_for(article: Article) -> Markup:
    """The `site.reprint_notice` template filled in for this article (escaped HTML)."""
    settings = current_settings()
    values = {
        "contributor": article.credited,
        "site_name": settings["site.name"],
        "canonical_url": canonical_url(article),
        "title": article.title,
    }
    return render_notice(settings["site.reprint_notice"], values, "canonical_url")


def structured_data(article: Article) -> dict[str, Any]:
    """schema.org `Article` for search engines (rendered with |tojson)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "description": article.summary,
        "mainEntityOfPage": canonical_url(article),
        "author": {"@type": "Person", "name": article.credited},
        "publisher": {"@type": "Organization", "name": current_settings()["site.name"]},
        "dateModified": article.updated_at.isoformat(timespec="seconds"),
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat(timespec="seconds")
    if article.category:
        data["articleSection"] = article.category.name
    if article.tags:
        data["keywords"] = ",".join(tag.name for tag in article.tags)
    return data
