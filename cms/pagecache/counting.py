"""The one place where the page cache counts a view (a hit of an article's
page, or the beacon of a page nginx served from the page store)."""

from __future__ import annotations

from cms.services.views import count_view


def count_cached_view(public_id: str, user_agent: str | None) -> None:
    """Count one view of the article `public_id`; called inside an app context.
    Swapping to the buffered counter is this one line
    (`buffer_view(public_id, user_agent)`)."""
    count_view(public_id)
