"""What the rate-limit tests share: the servers they start (tests/servers/)
and a minimal HTTP client with its own cookies (tests/load.py)."""

from __future__ import annotations

from tests.load import Browser
from tests.servers import REDIS_SERVER, Gunicorn, RedisServer, free_port

__all__ = [
    "REDIS_SERVER",
    "MAX_REQUESTS",
    "Browser",
    "Gunicorn",
    "RedisServer",
    "free_port",
]

# Each worker process of the rate-limit tests' servers serves at most this
# many requests and is then replaced: a run of requests meets several
# processes however the kernel hands out connections, and a counter kept in
# one process's memory would not survive.
MAX_REQUESTS = 4
