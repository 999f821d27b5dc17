"""The full-page cache for anonymous readers (README "Page cache").

`register_page_cache(app)` puts a WSGI layer (cms.pagecache.middleware) in
front of Flask; public views mark their pages shareable with the tags of
what they show (cms.pagecache.marks); the domain events drop exactly the
pages showing what changed (cms.pagecache.invalidation). Backends: this
process (default) or Redis (REDIS_URL); PAGE_STORE also writes the pages as
files for nginx (cms.pagecache.store).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask


class PageCache:
    """The backend and the optional page store, dropped together."""

    def __init__(self, backend, store=None) -> None:
        self.backend = backend
        self.store = store

    def drop_tags(self, tags: set[str]) -> None:
        """Drop the entries and files carrying any of `tags`."""
        self.backend.drop_tags(tags)
        if self.store is not None:
            self.store.drop_tags(tags)

    def drop_all(self) -> None:
        """Drop every entry and file (O(1) for the entries)."""
        self.backend.drop_all()
        if self.store is not None:
            self.store.drop_all()

    def end_all_at(self, when: float) -> None:
        """Every entry ends at `when` at the latest (a scheduled publication)."""
        self.backend.end_all_at(when)


def _backend(app: Flask):
    from cms.pagecache.backends import MemoryBackend, RedisBackend

    if app.config.get("REDIS_URL"):
        return RedisBackend(app.config["REDIS_URL"], app.config["PAGE_CACHE_PREFIX"])
    sync = app.config.get("PAGE_CACHE_SYNC_FILE") or (
        Path(app.instance_path) / "page-cache.sync"
    )
    return MemoryBackend(app.config["PAGE_CACHE_MAX_BYTES"], Path(sync))


def register_page_cache(app: Flask) -> None:
    """Install the page cache when PAGE_CACHE is on (the default outside
    tests); `Vary: Cookie` is kept to the answers cookies change, always."""
    from cms.pagecache.vary import register_vary

    register_vary(app)
    if not app.config.get("PAGE_CACHE"):
        return
    from cms.pagecache.marks import mark_response
    from cms.pagecache.middleware import PageCacheMiddleware
    from cms.pagecache.store import PageStore

    store = (
        PageStore(app.config["PAGE_STORE"]) if app.config.get("PAGE_STORE") else None
    )
    cache = PageCache(_backend(app), store)
    app.extensions["page_cache"] = cache
    app.after_request(mark_response)
    app.wsgi_app = PageCacheMiddleware(app, cache.backend, store)  # type: ignore[method-assign]
