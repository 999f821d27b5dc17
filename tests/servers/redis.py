"""A redis-server of the test's own."""

from __future__ import annotations

import shutil
import signal
import subprocess

import pytest

from tests.servers.ports import free_port, wait_for_port

REDIS_SERVER = shutil.which("redis-server")


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
        assert REDIS_SERVER is not None
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
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def keys(self, pattern: str = "*") -> list[str]:
        import redis

        client = redis.Redis.from_url(self.url, decode_responses=True)
        try:
            return sorted(client.scan_iter(match=pattern))
        finally:
            client.close()
