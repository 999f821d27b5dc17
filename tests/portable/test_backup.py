"""`flask cms backup` / `flask cms restore`: consistent under load, manifest
checked, and the scheduled backups of `flask cms tick`."""

from __future__ import annotations

import json
import threading
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from cms import create_app
from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, Comment, CommentStatus, Setting, utcnow
from cms.services import backup
from cms.services.jobs import JOBS, run_due_jobs
from cms.services.tallies import comment_tallies, recount_tallies
from tests.factories import make_article, make_comment, make_user

PASSWORD = "correct horse battery staple"


def _post_comments(app, stop: threading.Event, posted: list[int]) -> None:
    with app.app_context():
        article = db.session.scalars(select(Article)).first()
        n = 0
        while not stop.is_set():
            status = "approved" if n % 3 else "pending"
            comment = make_comment(article, body=f"并发评论 {n}", status=status)
            posted.append(comment.id)
            n += 1
        db.session.remove()


def _fresh_app(url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
    return app


@pytest.mark.parametrize("kind", [None, "json"])
def test_backup_under_load_restores_with_its_manifest(
    shared_app, new_database, tmp_path, kind
):
    with shared_app.app_context():
        make_user(username="alice", password=PASSWORD)
        article = make_article(title="被评论的文章")
        for n in range(30):
            make_comment(article, body=f"早先的评论 {n}")
    stop, posted = threading.Event(), []
    threads = [
        threading.Thread(target=_post_comments, args=(shared_app, stop, posted))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    try:
        while len(posted) < 10:
            threading.Event().wait(0.01)
        with shared_app.app_context():
            taken = backup.take_backup(tmp_path / "backups", kind=kind)
        during = len(posted)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert posted and len(posted) > 10  # writers ran before and after
    manifest = json.loads(zipfile.ZipFile(taken.path).read("manifest.json"))
    comments_in_backup = manifest["tables"]["comments"]["rows"]
    assert 30 + 10 <= comments_in_backup <= 30 + len(posted)
    assert during > 0

    url = new_database()
    source_backend = make_url(shared_app.config["SQLALCHEMY_DATABASE_URI"])
    if (
        kind is None
        and make_url(url).get_backend_name() != source_backend.get_backend_name()
    ):
        pytest.skip("a database's own backup restores into the same backend")
    target = _fresh_app(url)
    result = target.test_cli_runner().invoke(args=["cms", "restore", str(taken.path)])
    assert result.exit_code == 0, result.output
    assert "manifest verified" in result.output
    with target.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == comments_in_backup
        # One snapshot: the kept counts agree with the rows they count.
        assert comment_tallies() == recount_tallies()
        approved = db.session.scalar(
            select(func.count(Comment.id)).where(
                Comment.status == CommentStatus.APPROVED
            )
        )
        assert db.session.scalar(select(func.sum(Article.comment_count))) == approved
        assert backup.integrity_problems() == []
        # New rows get new ids after the restored ones (sequences).
        restored = db.session.scalars(select(Article)).first()
        fresh = make_comment(restored, body="恢复之后")
        assert fresh.id > max(posted[: comments_in_backup - 30] or [0])
    response = target.test_client().post(
        "/auth/login", data={"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 303
    with target.app_context():
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_site_with_content_and_a_bad_manifest(shared_app, tmp_path):
    with shared_app.app_context():
        article = make_article()
        make_comment(article)
        taken = backup.take_backup(tmp_path)
    runner = shared_app.test_cli_runner()
    result = runner.invoke(args=["cms", "restore", str(taken.path)])
    assert result.exit_code == 2 and "不是空的" in result.output
    # A manifest that does not match its data is caught after restoring.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(taken.path) as source:
        manifest = json.loads(source.read("manifest.json"))
        manifest["tables"]["comments"]["rows"] += 1
        with zipfile.ZipFile(tampered, "w") as out:
            name = manifest["data"]
            out.writestr(name, source.read(name))
            out.writestr("manifest.json", json.dumps(manifest))
    with shared_app.app_context(), write_transaction():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    result = runner.invoke(args=["cms", "restore", str(tampered)])
    assert result.exit_code == 2
    assert "与备份清单不符" in result.output and "comments" in result.output


def test_tick_takes_scheduled_backups_and_keeps_the_last_n(app, tmp_path, monkeypatch):
    job = next(j for j in JOBS if j.name == "scheduled-backup")
    directory = tmp_path / "scheduled"
    with app.app_context():
        assert run_due_jobs(jobs=[job]) == ["scheduled-backup"]
        assert not directory.exists()  # off by default
        with write_transaction():
            db.session.add(Setting(key="backup.dir", value=str(directory)))
            db.session.add(Setting(key="backup.every_hours", value="6"))
            db.session.add(Setting(key="backup.keep", value="2"))
    start, clock = utcnow(), []
    monkeypatch.setattr(backup, "utcnow", lambda: clock[-1])
    for hours in range(0, 24, 6):
        for minutes in (1, 7, 13):  # due once, then not again within the interval
            clock.append(start + timedelta(hours=hours, minutes=minutes))
            with app.app_context():
                run_due_jobs(now=clock[-1], jobs=[job])
    names = backup.list_backups(directory)
    assert len(names) == 2  # four taken, the newest two kept
    with zipfile.ZipFile(names[-1]) as archive:
        assert json.loads(archive.read("manifest.json"))["kind"]


def test_backup_setting_is_for_admins_only(app):
    from cms.services.setting_specs import SPECS

    assert SPECS["backup.dir"].admin_only
    with app.app_context():
        runner = app.test_cli_runner()
        result = runner.invoke(args=["cms", "setting", "set", "backup.keep", "0"])
        assert result.exit_code == 2
