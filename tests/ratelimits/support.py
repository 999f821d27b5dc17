"""Servers the rate-limit tests start and stop themselves: a Redis on its own
loopback port, and gunicorn with several workers on a SQLite file."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


class RedisServer:
    """redis-server on a free loopback port, no persistence; stop() kills it,
    start() brings it back on the same port, pause()/resume() freeze it (a
    Redis that accepts connections but never answers)."""

    def __init__(self) -> None:
        if REDIS_SERVER is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def keys(self, pattern: str = "*") -> list[str]:
        import redis

        client = redis.Redis.from_url(self.url, decode_responses=True)
        try:
            return sorted(client.scan_iter(match=pattern))
        finally:
            client.close()


MAX_REQUESTS = 4


class Gunicorn:
    """`gunicorn --workers N wsgi:app` as scripts/serve.sh runs it, on a port
    of its own; the access log gives each answer's worker pid (the last word
    of the line) and status. Each worker process serves at most MAX_REQUESTS
    requests and is then replaced: a run of requests meets several processes
    however the kernel hands out connections, and a counter kept in one
    process's memory would not survive."""

    def __init__(
        self,
        workers: int,
        env: dict[str, str],
        log: Path,
        max_requests: int | None = MAX_REQUESTS,
    ) -> None:
        """`env` is the whole environment of the server (SITE_URL added);
        `max_requests` None keeps each worker for the server's life."""
        self.workers = workers
        self.max_requests = max_requests
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**env, "SITE_URL": self.origin}
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
                *(
                    ["--max-requests", str(self.max_requests)]
                    if self.max_requests
                    else []
                ),
                "--access-logfile",
                str(self.log),
                "--access-logformat",
                "%(s)s %(m)s %(U)s %(p)s",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=60)
        return self

    def stop(self) -> None:
        """Stop the arbiter and its workers (its own process group)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None

    def pids_answering(self, method: str, path: str) -> set[str]:
        """The worker pids that answered `method path` so far."""
        pids = set()
        for line in self.log.read_text().splitlines():
            fields = line.split()
            if len(fields) == 4 and fields[1] == method and fields[2] == path:
                pids.add(fields[3])
        return pids


class Browser:
    """A minimal HTTP client with its own cookies that never follows
    redirects: each answer as (status, headers, body).

    With `spread`, each request is sent while an idle connection keeps one
    worker busy (the one quickest to accept, which would otherwise tend to
    take every request), so a run of requests meets several workers."""

    def __init__(
        self, port: int, forwarded_for: str | None = None, spread: bool = False
    ) -> None:
        self.port = port
        self.forwarded_for = forwarded_for
        self.spread = spread
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        headers: dict | None = None,
    ) -> tuple[int, dict, str]:
        import http.client
        from http.cookies import SimpleCookie
        from urllib.parse import urlencode

        all_headers = dict(headers or {})
        if self.forwarded_for:
            all_headers["X-Forwarded-For"] = self.forwarded_for
        if self.cookies:
            all_headers["Cookie"] = "; ".join(
                f"{k}={v}" for k, v in self.cookies.items()
            )
        body = None
        if form is not None:
            body = urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        idle = None
        if self.spread:
            idle = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            time.sleep(0.02)  # let a worker accept it
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            text = response.read().decode()
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.headers), text
        finally:
            conn.close()
            if idle is not None:
                idle.close()
