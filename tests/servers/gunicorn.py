"""gunicorn serving the app as scripts/serve.sh runs it, and the
environment of a production server."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.servers.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
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
        # Text access lines in the format `pids_answering` reads (production
        # would otherwise write JSON: cms/access_log.py).
        self.env = {"LOG_FORMAT": "text", **env, "SITE_URL": self.origin}
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
