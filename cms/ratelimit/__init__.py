"""Where rate-limit counters live, for Flask-Limiter and the services that
count (the comment flood check).

- No `REDIS_URL`: the database (`cms-database://`, table `rate_limits`), so
  every worker and every server counts together.
- `REDIS_URL` set: Redis, with the database as the fallback while Redis is
  unreachable (`cms-redis://…`).

Importing this package registers both storage schemes with `limits`.
"""

from __future__ import annotations

from flask import Flask

from cms.ratelimit.database import DatabaseStorage
from cms.ratelimit.fallback import PREFIX, RedisWithFallback

__all__ = [
    "DatabaseStorage",
    "RedisWithFallback",
    "configure_rate_limits",
    "storage_uri",
]


def storage_uri(redis_url: str | None) -> str:
    """The limits storage URI for a deployment with (or without) Redis."""
    return f"{PREFIX}{redis_url}" if redis_url else "cms-database://"


def configure_rate_limits(app: Flask) -> None:
    """Fill in Flask-Limiter's settings the app did not set: the storage (as
    above), the Redis timeout and retry interval (RATELIMIT_REDIS_TIMEOUT,
    RATELIMIT_REDIS_RETRY_SECONDS), headers on, and errors of the storage
    itself logged instead of answered with 500 (limits never take the site
    down)."""
    config = app.config
    uri = config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(config["REDIS_URL"]))
    if uri.startswith(PREFIX + "redis"):
        config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {
                "socket_timeout": config["RATELIMIT_REDIS_TIMEOUT"],
                "retry_seconds": config["RATELIMIT_REDIS_RETRY_SECONDS"],
            },
        )
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
