"""Faults and load 6: a database that refuses writes. Three copies of the
site, each refusing in its own way: a SQLite file opened read-only, a SQLite
file that is full (`max_page_count` at its size: a write that needs a new
page fails, one that fits may still succeed), and PostgreSQL with
`default_transaction_read_only` (a throwaway cluster). On each, a reader and
a logged-in editor (logged in before the database refused writes) read
pages and send forms that write.

FOUND: a page that does not read (not 200); a write answered neither with
success nor with a clear 503 (Retry-After and the styled page); a write
answered 503 that stored something (partial), or answered as a success with
nothing stored (the database refusing everything, a success is a lie)."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, select, text

from cms.extensions import db
from cms.models import Comment, CommentStatus
from tests.security.harness import PASSWORD, Site, Tally, check, form_token, planted
from tests.security.serving import (
    apply_settings,
    audit_app,
    close_app,
    copy_site,
    database_server,
    quiet_logs,
)
from tests.security.state import table_digests

SECRET = "read-only-check-secret-0123456789abcdef0123"
VARIANTS = ("sqlite read-only", "sqlite full", "postgresql read-only")
READS = [
    "/",
    "/{ref}.html",
    "/category/dian-shang-yun-ying/",
    "/page/about/",
    "/feed.xml",
    "/sitemap.xml",
    "/search?q=%E8%B5%84%E6%BA%90",
    "/healthz",
]
EDITOR_READS = [
    "/moderation/",
    "/moderation/comments?status=pending",
    "/moderation/posts",
    "/moderation/posts/new",
]
# The reader sends the form at once: not a bot (the flood rule stays on).
SETTINGS = {"comments.min_submit_seconds": "0"}
LONG = "只读数据库上的一条长评论。" * 250  # needs pages of its own (the full file)


def _app(url: str, folder: Path) -> Flask:
    return audit_app(
        url,
        folder,
        SECRET_KEY=SECRET,
        WTF_CSRF_ENABLED=True,
        PROPAGATE_EXCEPTIONS=False,
    )


def _log_in(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    form = {"username": role, "password": PASSWORD, "csrf_token": form_token(page)}
    if client.post("/auth/login", data=form).status_code != 303:
        raise RuntimeError(f"log-in as {role} failed")
    return client


def _refusing_sqlite(folder: Path, full: bool) -> Flask:
    path = folder / "copy.sqlite"
    if full:  # no free pages left to take: the file may not grow at all
        with sqlite3.connect(path) as connection:
            connection.execute("VACUUM")
        pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
        app = _app(f"sqlite:///{path}", folder)
        with app.app_context():
            event.listen(
                db.engine,
                "connect",
                lambda conn, _: conn.execute(f"PRAGMA max_page_count = {pages}"),
            )
        return app
    path.chmod(0o444)
    return _app(f"sqlite:///file:{path}?mode=ro&uri=true", folder)


def _refusing_postgres(url: str, folder: Path) -> Flask:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            name = connection.execute(text("SELECT current_database()")).scalar()
            connection.execute(
                text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            )
    finally:
        engine.dispose()
    return _app(url, folder)


@contextmanager
def refusing(site: Site, variant: str) -> Iterator[tuple[Flask, FlaskClient, int]]:
    """(app, editor client, a comment id) on a copy that refuses writes."""
    backend = variant.split()[0]
    with (
        database_server(backend) as cluster,
        tempfile.TemporaryDirectory(prefix="cms-read-only-") as tmp,
    ):
        folder = Path(tmp)
        url = copy_site(site, folder, cluster)
        apply_settings(url, folder, SETTINGS)
        writable = _app(url, folder)
        editor = _log_in(writable, "editor")
        comment = site.targets["comment"]
        close_app(writable)
        if backend == "postgresql":
            app = _refusing_postgres(url, folder)
        else:
            app = _refusing_sqlite(folder, "full" in variant)
        editor.application = app  # the same cookies (session) on the refusing app
        try:
            yield app, editor, comment
        finally:
            close_app(app)


def _bulk_action(app: Flask, comment: int) -> dict[str, str]:
    with app.app_context():
        status = db.session.scalar(select(Comment.status).where(Comment.id == comment))
        db.session.rollback()
    action = "unapprove" if status == CommentStatus.APPROVED else "approve"
    return {"ids": str(comment), "action": action}


def _writes(app: Flask, comment: int) -> list[tuple[str, str, str, Callable]]:
    """(who, path, the page its form is on, the form's fields)."""
    ref = Site.reference
    return [
        (
            "reader",
            f"/comments/{ref}",
            f"/{ref}.html",
            lambda: {"author": "读者", "email": "ro@example.cn", "body": LONG},
        ),
        (
            "editor",
            "/moderation/comments",
            "/moderation/comments",
            lambda: _bulk_action(app, comment),
        ),
        (
            "editor",
            "/moderation/posts/new",
            "/moderation/posts/new",
            lambda: {"title": "只读时写的文章", "body": LONG, "do": "save"},
        ),
        (
            "editor",
            "/moderation/menus",
            "/moderation/menus",
            lambda: {
                "menu": "friends",
                "kind": "url",
                "label": "只读",
                "url": "https://example.org/read-only",
            },
        ),
    ]


def _clear_503(response) -> bool:
    return (
        response.status_code == 503
        and response.headers.get("Retry-After") is not None
        and "暂时无法访问" in response.get_data(as_text=True)
    )


@check("read-only-db")
def run(site: Site) -> Tally:
    tally = Tally("read-only-db")
    variants = VARIANTS[:1] if site.quick else VARIANTS
    for variant in variants:
        with quiet_logs(), refusing(site, variant) as (app, editor, comment):
            reader = app.test_client()
            for who, client, paths in (
                ("reader", reader, READS),
                ("editor", editor, EDITOR_READS),
            ):
                for path in paths:
                    status = client.get(path.format(ref=site.reference)).status_code
                    tally.attempt(
                        status != 200, f"{variant}: {who} GET {path}: {status}"
                    )
            for who, path, page, fields in _writes(app, comment):
                client = reader if who == "reader" else editor
                html = client.get(page).get_data(as_text=True)
                data = fields() | {"csrf_token": form_token(html) or ""}
                with app.app_context():
                    before = table_digests()
                response = client.post(path, data=data)
                with app.app_context():
                    changed = table_digests() != before
                status = response.status_code
                refused = _clear_503(response)
                succeeded = status in (200, 204, 302, 303)
                tally.attempt(
                    not (refused or succeeded)
                    or (refused and changed)
                    or (succeeded and not changed),
                    f"{variant}: {who} POST {path}: {status}, "
                    f"{'changed' if changed else 'unchanged'}",
                )
    return tally


@planted("read-only-db")
def _no_503(site: Site, monkeypatch) -> None:
    def raise_it(error):
        raise error

    monkeypatch.setattr("cms.errors._database_unavailable", raise_it)
