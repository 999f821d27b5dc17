"""The one place where the page cache reaches into the services: a hit of an
article's page (or the beacon of a page nginx served from the page store)
counts a view, and a hit gets what its copy fills in (cms.pagecache.counts)."""

from __future__ import annotations

from cms.services.form_tokens import issue_comment_token
from cms.services.views import shown_count


def count_cached_view(public_id: str, user_agent: str | None) -> int:
    """Count one view of the article `public_id` (buffered, no database
    write; not at all for a self-declared bot) and return the count its page
    shows now. Inside an app context."""
    return shown_count(public_id, user_agent)


def fresh_token(public_id: str) -> str:
    """A comment-form token for the article, issued now. Inside an app context."""
    return issue_comment_token(public_id)
