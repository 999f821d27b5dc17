"""Servers that tests and security checks start and stop themselves, each
bound to 127.0.0.1 on a free port and each a context manager that always
stops what it started (and removes its folder):

- `Gunicorn`: `gunicorn --workers N wsgi:app` as scripts/serve.sh runs it, on
  an environment the caller gives (`server_env` makes one);
- `RedisServer`: a redis-server without persistence; stop/start/pause;
- `PostgresCluster`: a throwaway PostgreSQL cluster (initdb in a temporary
  folder, its own port), never the shared server; stop/start for restarts.

A missing tool (redis-server, initdb) skips the test that needs it."""

from __future__ import annotations

from tests.servers.gunicorn import Gunicorn, server_env
from tests.servers.ports import free_port, wait_for_port
from tests.servers.postgres import PostgresCluster
from tests.servers.redis import REDIS_SERVER, RedisServer

__all__ = [
    "REDIS_SERVER",
    "Gunicorn",
    "PostgresCluster",
    "RedisServer",
    "free_port",
    "server_env",
    "wait_for_port",
]
