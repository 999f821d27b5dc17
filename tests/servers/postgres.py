"""A throwaway PostgreSQL cluster: initdb in a temporary folder, its own
port; never the shared server."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.servers.ports import free_port


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
