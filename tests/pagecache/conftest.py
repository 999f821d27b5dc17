"""The page cache turned on (it is off for the rest of the suite): in this
process, or in Redis when TEST_REDIS_URL is set."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import TEST_REDIS_URL


@pytest.fixture
def app_config(app_config, tmp_path, redis_prefix):
    app_config["PAGE_CACHE"] = True
    app_config["PAGE_CACHE_SYNC_FILE"] = str(tmp_path / "page-cache.sync")
    if TEST_REDIS_URL:
        # Under the run's prefix: the `app` fixture deletes its keys.
        app_config["PAGE_CACHE_PREFIX"] = f"{redis_prefix}:pc:{uuid.uuid4().hex[:8]}:"
    return app_config


def cache_state(response) -> str:
    """HIT or MISS (or "" for an answer the cache does not concern)."""
    return response.headers.get("X-Cache", "")
