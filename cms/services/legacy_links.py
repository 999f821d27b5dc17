"""Old addresses of an imported site that answer 301 to the new ones."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, LegacyLink, Page, PageStatus, utcnow
from cms.services.imports import link_key


def _candidates(path: str, args: Mapping[str, str], query: str) -> list[str]:
    keys = []
    if query:
        keys.append(link_key(f"{path}?{query}"))
    keys.append(link_key(path))
    for name in ("p", "page_id"):
        value = args.get(name, "")
        if value.isdigit():
            keys.append(f"?{name}={value}")
    return [k for k in dict.fromkeys(keys) if k]


def redirect_for(
    path: str, args: Mapping[str, str], query: str = ""
) -> tuple[str, dict[str, str]] | None:
    """Where an old address (`path`, its query `args` / `query`) leads: the
    endpoint and values of an article readers may see or of a published page
    (the web layer builds the URL); None otherwise
    (a draft's address is not given away). An address with a control
    character (NUL …) leads nowhere: no stored link has one, and PostgreSQL
    refuses NUL in text."""
    keys = [k for k in _candidates(path, args, query) if k.isprintable()]
    if not keys:
        return None
    links = {
        link.path: link
        for link in db.session.scalars(
            select(LegacyLink).where(LegacyLink.path.in_(keys))
        )
    }
    for key in keys:
        link = links.get(key)
        if link is None:
            continue
        if link.article_id is not None:
            article = db.session.get(Article, link.article_id)
            if article is not None and article.is_visible(utcnow()):
                return "public.article", {"public_id": article.public_id}
        if link.page_id is not None:
            page = db.session.get(Page, link.page_id)
            if page is not None and page.status == PageStatus.PUBLISHED:
                return "public.page", {"slug": page.slug}
    return None
