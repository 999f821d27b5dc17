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

import glob
import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REDIS_SERVER = shutil.which("redis-server")
# Variables of the caller's shell a server must not inherit: the app reads
# them (FLASK_*, CMS_*, the service URLs), so a run would depend on them.
_APP_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "SITE_URL",
    "TRUSTED_PROXIES",
    "MAIL_URL",
    "MEDIA_URL",
    "PAGE_STORE",
    "PAGE_CACHE",
    "PAGE_CACHE_SYNC_FILE",
}


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    """Return once something accepts connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


def server_env(database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a production server on `database_url`: what the
    caller's shell sets for the app is dropped; uploads and the page cache's
    sync file go to `folder`; `extra` is added last."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "CMS_", "REDIS")) and key not in _APP_VARIABLES
    }
    env |= {
        "DATABASE_URL": database_url,
        "CMS_CONFIG": "production",
        "SECRET_KEY": "servers-test-secret-" + "0123456789abcdef" * 3,
        "MEDIA_URL": f"file://{folder / 'media'}",
        "PAGE_CACHE_SYNC_FILE": str(folder / "page-cache.sync"),
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return env | extra


class Gunicorn:
    """gunicorn serving `app` (default wsgi:app) with `workers` workers, in its
    own process group. The access log (`log`) gives each answer's status,
    method, path and worker pid; what the app writes to stderr goes to
    `errors_log` (beside it). `max_requests` recycles each worker after that
    many requests (None: each worker lives as long as the server)."""

    def __init__(
        self,
        workers: int,
        env: dict[str, str],
        log: Path,
        max_requests: int | None = None,
        app: str = "wsgi:app",
        preload: bool = False,
    ) -> None:
        """`env` is the whole environment of the server (SITE_URL added).
        `preload` imports the app once, before the workers are forked (a few
        seconds instead of one import per worker on a busy machine; the app
        opens no connection and starts no thread when it is created)."""
        self.workers = workers
        self.preload = preload
        self.max_requests = max_requests
        self.app = app
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.errors_log = log.with_name(log.stem + "-errors.log")
        self.env = {**env, "SITE_URL": self.origin}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> Gunicorn:
        """Start and wait until a worker answers /healthz (four workers each
        import the app: slow on a busy machine)."""
        gunicorn = Path(sys.executable).parent / "gunicorn"
        recycle = ["--max-requests", str(self.max_requests)]
        with open(self.errors_log, "ab") as errors:
            self.process = subprocess.Popen(
                [
                    str(gunicorn),
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--no-control-socket",
                    *(recycle if self.max_requests else []),
                    *(["--preload"] if self.preload else []),
                    "--access-logfile",
                    str(self.log),
                    "--access-logformat",
                    "%(s)s %(m)s %(U)s %(p)s",
                    self.app,
                ],
                cwd=ROOT,
                env=self.env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        try:
            self._wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.errors()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn never answered:\n{self.errors()[-2000:]}")

    def stop(self, graceful: bool = True) -> None:
        """Stop the arbiter and its workers (its own process group): SIGTERM
        and a wait (workers finish their request and write what they
        buffered; the arbiter takes seconds), or with `graceful` False at
        once (SIGKILL: for a caller that has read all it needs)."""
        if self.process is None:
            return
        if self.process.poll() is None and not graceful:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def errors(self) -> str:
        """What the server wrote to stderr so far (gunicorn's and the app's log)."""
        try:
            return self.errors_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def pids_answering(self, method: str, path: str) -> set[str]:
        """The worker pids that answered `method path` so far."""
        pids = set()
        for line in self.log.read_text().splitlines():
            fields = line.split()
            if len(fields) == 4 and fields[1] == method and fields[2] == path:
                pids.add(fields[3])
        return pids


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


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


class PostgresCluster:
    """A PostgreSQL cluster of its own: `initdb` in a temporary folder (trust
    authentication, no fsync: it is thrown away), served on a free loopback
    port with its socket in that folder. `stop()` and `start()` restart it on
    the same port and data; leaving the `with` block stops it and removes the
    folder. As root the tools run as the `postgres` account (PostgreSQL
    refuses to run as root). `options` are extra `-c name=value` settings."""

    def __init__(self, options: dict[str, str] | None = None) -> None:
        self.bin = _postgres_bin()
        if self.bin is None:
            pytest.skip("PostgreSQL's initdb is not installed")
        self.options = options or {}
        self.port = free_port()
        self.user = self._account()
        self._tmp = tempfile.mkdtemp(prefix="cms-pg-")
        self.folder = Path(self._tmp)
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        if self.user is not None:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        self.running = False

    @staticmethod
    def _account() -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres account")

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        assert self.bin is not None
        done = subprocess.run(
            [str(self.bin / tool), *args],
            user=self.user.pw_uid if self.user else None,
            group=self.user.pw_gid if self.user else None,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"{tool} failed: {done.stderr.strip()[-1500:]}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresCluster:
        """initdb on first use, then start the server and wait for it."""
        if not self.data.exists():
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
        settings = {
            "listen_addresses": "127.0.0.1",
            "fsync": "off",
            "full_page_writes": "off",
            **self.options,
        }
        options = f"-p {self.port} -k {self.folder} " + " ".join(
            f"-c {name}={value}" for name, value in settings.items()
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.running = True
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: roll back open transactions and close
        every connection, as a restart by an operator does)."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
            self.running = False

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name`; its URL."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)

    def __enter__(self) -> PostgresCluster:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
