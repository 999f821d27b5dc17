"""Backups taken while the site runs (`flask cms backup DIR`), their restore
(`flask cms restore FILE`), and the scheduled ones (`flask cms tick`).

A backup is one zip file `cms-backup-<UTC time>.zip` holding the data, the
stored media files (under `media/`, cms.services.media_archive) and
`manifest.json`: the row count and a SHA-256 of every exported table
(cms.services.portable's tables and value encoding, rows in key order), taken
in the same snapshot as the data, and the SHA-256 of every media file:

- SQLite: the online backup API copies the database in one step (a
  consistent snapshot while writers go on, WAL); the manifest is computed
  from that copy. Kind "sqlite".
- PostgreSQL with `pg_dump` on the PATH: one REPEATABLE READ transaction
  exports its snapshot, `pg_dump --data-only --snapshot` dumps it and the
  manifest is computed inside it. Kind "pg_dump".
- PostgreSQL without `pg_dump`: the JSON export written inside one
  REPEATABLE READ transaction, manifest from the same transaction. Kind "json".

Restore goes into an empty database that has the schema (`flask db upgrade`;
kept counts aside, see portable), checks every media file against its digest
before writing anything, puts the files back into the media store (files
already there are left), checks the manifest against what it wrote,
table by table, and on SQLite runs `PRAGMA integrity_check`; any mismatch
is an error naming the table. Nothing is restored over a site with content.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from cms.database import write_transaction
from cms.extensions import db
from cms.models import utcnow
from cms.services import media_archive, portable
from cms.services.errors import InvalidInput

PREFIX = "cms-backup-"
MANIFEST = "manifest.json"
DATA = {"sqlite": "database.sqlite", "pg_dump": "data.sql", "json": "site.json"}


def table_digests(connection: Connection) -> dict[str, dict[str, Any]]:
    """Row count and SHA-256 of every exported table, read on `connection`
    (in whatever transaction it holds: the caller's snapshot)."""
    digests = {}
    for table in portable.exported_tables():
        sha = hashlib.sha256()
        count = 0
        result = connection.execute(
            portable.ordered_select(table).execution_options(yield_per=1000)
        )
        for row in result:
            sha.update(portable.encode_row(row).encode())
            sha.update(b"\n")
            count += 1
        digests[table.name] = {"rows": count, "sha256": sha.hexdigest()}
    return digests


@dataclass(frozen=True)
class BackupResult:
    """Where the backup went, how it was taken, and its manifest's tables."""

    path: Path
    kind: str
    tables: dict[str, dict[str, Any]]
    media: int = 0  # media files in the zip


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ")


def _sqlite_snapshot(work: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    copy = work / DATA["sqlite"]
    source = db.engine.raw_connection()
    try:
        target = sqlite3.connect(copy)
        try:
            source.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            target.close()
    finally:
        source.close()
    engine = create_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as connection:
            digests = table_digests(connection)
    finally:
        engine.dispose()
    return copy, digests


def _libpq(url: Any) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the tools, the password in the environment."""
    url = make_url(url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _snapshot_transaction() -> Connection:
    """A connection in one read transaction that sees one snapshot: REPEATABLE
    READ on PostgreSQL; on SQLite (WAL) every read transaction does, and the
    first read below fixes it."""
    connection = db.engine.connect()
    if db.engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    connection.begin()
    return connection


def _pg_dump_snapshot(work: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    out = work / DATA["pg_dump"]
    connection = _snapshot_transaction()
    try:
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar()
        digests = table_digests(connection)
        dsn, env = _libpq(db.engine.url)
        subprocess.run(
            ["pg_dump", "--data-only", "--no-owner", "--no-privileges",
             f"--snapshot={snapshot}", "--exclude-table=alembic_version",
             "--file", str(out), "--dbname", dsn],
            check=True, env=env, capture_output=True, timeout=3600,
        )  # fmt: skip
    finally:
        connection.rollback()
        connection.close()
    return out, digests


def _json_snapshot(work: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    out = work / DATA["json"]
    connection = _snapshot_transaction()
    try:
        digests = table_digests(connection)
        with open(out, "w", encoding="utf-8", newline="\n") as stream:
            portable.write_export(stream, connection, media=False)
    finally:
        connection.rollback()
        connection.close()
    return out, digests


def backup_kind() -> str:
    """How this database is backed up: "sqlite", "pg_dump" or "json"."""
    if db.engine.dialect.name == "sqlite":
        return "sqlite"
    if db.engine.dialect.name == "postgresql" and shutil.which("pg_dump"):
        return "pg_dump"
    return "json"


def take_backup(
    directory: str | Path, kind: str | None = None, now: datetime | None = None
) -> BackupResult:
    """Write one consistent backup of the running site into `directory`
    (created if missing); see the module docstring. The zip is written under
    a temporary name and renamed, so a listed backup is always complete."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    kind = kind or backup_kind()
    now = now or utcnow()
    db.session.rollback()  # no read transaction of ours spans the snapshot
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        work = Path(tmp)
        take = {"sqlite": _sqlite_snapshot, "pg_dump": _pg_dump_snapshot,
                "json": _json_snapshot}[kind]  # fmt: skip
        data, digests = take(work)
        manifest = {
            "format": "cms-backup",
            "version": 1,
            "kind": kind,
            "taken_at": now.isoformat(),
            "data": data.name,
            "tables": digests,
        }
        partial = work / "backup.zip"
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(data, data.name)
            # After the data's snapshot: files are written before the rows that
            # name them and removed after, so every file those rows name is here.
            media = media_archive.write_to_zip(archive)
            manifest["media"] = media
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
        path = directory / f"{PREFIX}{_stamp(now)}.zip"
        os.replace(partial, path)
    return BackupResult(path, kind, digests, len(media))


def _check_media(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Every media file present and matching its digest (before any write)."""
    for entry in media_archive.read_from_zip(archive, manifest.get("media", {})):
        media_archive.check_file(*entry)


def _check(expected: dict[str, Any], found: dict[str, Any]) -> None:
    wrong = [name for name, digest in expected.items() if found.get(name) != digest]
    if wrong:
        details = "；".join(
            f"{n}: 清单 {expected[n]['rows']} 行，实际 "
            f"{found.get(n, {}).get('rows', '无此表')} 行"
            for n in wrong
        )
        raise InvalidInput(f"恢复后的数据与备份清单不符：{details}")


def _read(path: Path) -> tuple[dict[str, Any], zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
        manifest = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError):
        raise InvalidInput(f"{path} 不是本站的备份文件") from None
    if manifest.get("format") != "cms-backup" or manifest.get("version") != 1:
        raise InvalidInput(f"{path} 的备份格式不受支持")
    return manifest, archive


def _restore_sqlite(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    if db.engine.dialect.name != "sqlite":
        raise InvalidInput("这是 SQLite 数据库的备份，当前数据库不是 SQLite")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(archive.extract(manifest["data"], tmp))
        source = sqlite3.connect(copy)
        try:
            ok = source.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise InvalidInput(f"备份中的数据库已损坏：{ok}")
            target = db.engine.raw_connection()
            try:
                source.backup(target.driver_connection)  # type: ignore[arg-type]
            finally:
                target.close()
        finally:
            source.close()
    db.engine.dispose()  # connections opened before see the restored file


def _restore_pg_dump(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    if db.engine.dialect.name != "postgresql":
        raise InvalidInput("这是 PostgreSQL 数据库的备份，当前数据库不是 PostgreSQL")
    if not shutil.which("psql"):
        raise InvalidInput("恢复 pg_dump 备份需要 psql")
    with write_transaction():
        for table in portable.exported_tables():
            if table.info.get("kept"):
                db.session.execute(table.delete())
    with tempfile.TemporaryDirectory() as tmp:
        dump = archive.extract(manifest["data"], tmp)
        dsn, env = _libpq(db.engine.url)
        done = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
             "-f", dump, "--dbname", dsn],
            env=env, capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        if done.returncode:
            raise InvalidInput(f"psql 恢复失败：{done.stderr.strip()[:500]}")


def _restore_json(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    with archive.open(manifest["data"]) as raw:
        document = portable.read_document(io.TextIOWrapper(raw, encoding="utf-8"))
    portable.load_document(document)


def integrity_problems() -> list[str]:
    """What the database's own check reports ([] when sound): SQLite's
    integrity_check and foreign_key_check; nothing to run on PostgreSQL."""
    if db.engine.dialect.name != "sqlite":
        return []
    problems = [
        row[0]
        for row in db.session.execute(text("PRAGMA integrity_check"))
        if row[0] != "ok"
    ]
    problems += [
        f"foreign key: {tuple(row)}"
        for row in db.session.execute(text("PRAGMA foreign_key_check"))
    ]
    db.session.rollback()
    return problems


def restore_backup(path: str | Path) -> dict[str, dict[str, Any]]:
    """Restore the backup at `path` into this (empty) database and check it
    against its manifest; returns the manifest's tables. InvalidInput (with
    nothing restored) when the site has content, the file is not a backup or
    its kind does not fit this database; InvalidInput after the restore when
    a table differs from the manifest or the integrity check fails."""
    manifest, archive = _read(Path(path))
    with archive:
        db.session.rollback()
        full = portable.site_has_rows()
        if full:
            raise InvalidInput(
                "数据库不是空的（"
                + "、".join(full)
                + " 有数据）；请恢复到新建的空数据库"
            )
        restore = {"sqlite": _restore_sqlite, "pg_dump": _restore_pg_dump,
                   "json": _restore_json}.get(str(manifest.get("kind")))  # fmt: skip
        if restore is None:
            raise InvalidInput(f"未知的备份类型 {manifest.get('kind')!r}")
        _check_media(archive, manifest)
        restore(archive, manifest)
        for entry in media_archive.read_from_zip(archive, manifest.get("media", {})):
            media_archive.restore_file(*entry)
    db.session.remove()
    with db.engine.connect() as connection:
        found = table_digests(connection)
    _check(manifest["tables"], found)
    problems = integrity_problems()
    if problems:
        raise InvalidInput("完整性检查失败：" + "；".join(problems[:5]))
    return manifest["tables"]


def list_backups(directory: str | Path) -> list[Path]:
    """The backups in `directory`, oldest first (names sort by time)."""
    return sorted(Path(directory).glob(f"{PREFIX}*.zip"))


def prune_backups(directory: str | Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; returns those deleted."""
    backups = list_backups(directory)
    doomed = backups[: max(len(backups) - keep, 0)]
    for old in doomed:
        old.unlink(missing_ok=True)
    return doomed


def _taken_at(path: Path) -> datetime | None:
    stamp = path.stem.removeprefix(PREFIX)
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(
            tzinfo=utcnow().tzinfo
        )
    except ValueError:
        return None


def scheduled_backup(
    settings: dict[str, Any], now: datetime | None = None
) -> Path | None:
    """The tick job: when `backup.dir` is set and `backup.every_hours` (> 0)
    have passed since the newest backup there, take one and keep the newest
    `backup.keep`. Returns the new backup's path, or None when none was due."""
    directory = settings.get("backup.dir") or ""
    every = settings.get("backup.every_hours") or 0
    if not directory or every <= 0:
        return None
    now = now or utcnow()
    existing = [t for t in map(_taken_at, list_backups(directory)) if t]
    if existing and (now - max(existing)).total_seconds() < every * 3600 - 60:
        return None
    result = take_backup(directory, now=now)
    prune_backups(directory, settings.get("backup.keep") or 1)
    return result.path
