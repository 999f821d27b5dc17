"""The one place where the page cache reaches into the services: a hit of an
article's page (or the beacon of a page nginx served from the page store)
counts a view, and a hit gets what its copy fills in (cms.pagecache.counts).

Both run in the WSGI layer in front of Flask with no app context (pushing one
costs more than the rest of a hit): `HitCounter` holds what they need, taken
from the app once."""

from __future__ import annotations

from flask import Flask

from cms.extensions import db
from cms.services.form_tokens import issuer_for
from cms.services.views import shown_count_outside, stored_count_reader


class HitCounter:
    """Counting a cached page's view and issuing its form token, for `app`."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        with app.app_context():
            self._read = stored_count_reader(db.engine)
        self.fresh_token = issuer_for(app.config["SECRET_KEY"])

    def count_view(self, public_id: str, user_agent: str | None) -> int:
        """Count one view of the article `public_id` (buffered, no database
        write; not at all for a self-declared bot) and return the count its
        page shows now."""
        return shown_count_outside(self.app, public_id, user_agent, self._read)
