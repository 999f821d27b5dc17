"""The one place where the page cache counts a view (a hit of an article's
page, or the beacon of a page nginx served from the page store)."""

from __future__ import annotations

from cms.services.views import buffer_view


def count_cached_view(public_id: str, user_agent: str | None) -> None:
    """Count one view of the article `public_id`: buffered, no database write
    (cms.services.views), and not at all for a self-declared bot."""
    buffer_view(public_id, user_agent)
