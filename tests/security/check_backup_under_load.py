"""Faults and load 7: backups taken while readers post comments (gunicorn
with 4 workers on a copy of the site), as `flask cms backup` takes them on a
running site, then each restored into an empty database as
`flask cms restore` does (tests/portable/test_backup.py's test, under a real
server's load): the SQLite kind (the online backup API) and the JSON kind
(one read transaction; what PostgreSQL without pg_dump uses).

FOUND: a restore whose data differ from its manifest (restore_backup refuses
it, naming the table), a kept count of the restored site that differs from
a recount, and a comment accepted (303) before the backup began that the
restored site does not have."""

from __future__ import annotations

import time
from pathlib import Path

from cms.extensions import db
from cms.services import backup
from cms.services.errors import InvalidInput
from tests.load import Load, count_mismatches, stored_bodies
from tests.security.harness import Site, Tally, check, planted
from tests.security.serving import audit_app, close_app, served

READERS = 4
KINDS = ("sqlite", "json")
LABEL = "备份期间的评论"


def _restore(path: Path, folder: Path) -> tuple[str, list[str], set[str]]:
    """Restore the backup at `path` into a new SQLite database in `folder`:
    the refusal ("" when restored), the count mismatches, the comments."""
    folder.mkdir()
    app = audit_app(f"sqlite:///{folder / 'restored.sqlite'}", folder)
    try:
        with app.app_context():
            db.create_all()
            try:
                backup.restore_backup(path)
            except InvalidInput as error:
                return str(error), [], set()
            return "", count_mismatches(), set(stored_bodies(LABEL))
    finally:
        close_app(app)


@check("backup-under-load")
def run(site: Site) -> Tally:
    tally = Tally("backup-under-load")
    kinds = KINDS[1:] if site.quick else KINDS
    taken: list[tuple[str, float, Path]] = []
    with served(site) as on:
        with Load(on.server, site.reference, READERS, LABEL) as load:
            load.wait_for_posts(2 * READERS)  # comments are being posted
            for kind in kinds:
                began = time.monotonic()
                with on.app.app_context():
                    result = backup.take_backup(on.folder / "backups", kind=kind)
                taken.append((kind, began, result.path))
                load.wait_for_posts(load.accepted() + READERS)
        for kind, began, path in taken:
            refused, mismatches, restored = _restore(path, on.folder / kind)
            tally.attempt(bool(refused), f"{kind}: restore refused: {refused}")
            tally.attempt(bool(mismatches), f"{kind}: {'; '.join(mismatches)}")
            for request in load.done:
                if request.method == "POST" and request.ok and request.ended < began:
                    tally.attempt(
                        request.body not in restored,
                        f"{kind}: {request.body!r}, accepted before the backup, "
                        "is not in it",
                    )
    return tally


@planted("backup-under-load")
def _two_snapshots(site: Site, monkeypatch) -> None:
    """The JSON backup's data read in a transaction after the one its
    manifest was read in, while comments keep coming."""
    real = backup.portable.write_export

    def write_export(out, connection=None, media=True):
        connection.commit()  # the manifest's snapshot ends here
        time.sleep(0.5)
        return real(out, connection, media=media)

    monkeypatch.setattr(backup.portable, "write_export", write_export)
