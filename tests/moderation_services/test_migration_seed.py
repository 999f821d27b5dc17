"""The moderation migration starts comment_tallies from the comments a site
already has: upgrade to the revision before it, store comments with plain
SQL, upgrade to head, and the kept counts are the counted ones."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import text

from cms import create_app
from cms.extensions import db
from cms.services.tallies import comment_tallies, recount_tallies
from tests.moderation_services.support import APPROVED, PENDING, SPAM, TRASH

pytestmark = pytest.mark.filterwarnings(
    # The stock Flask-Migrate env.py tries the old get_engine() first.
    "ignore:.get_engine. is deprecated:DeprecationWarning"
)
MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
BEFORE_MODERATION = "53ef0ace9de1"  # comments
MODERATION = "148aa588503b"
pytestmark = pytest.mark.usefixtures(
    "keep_logging"
)  # audit log, comment tallies, daily views


NOW = "2026-11-01 10:00:00.000000"
COMMENT = text(
    "INSERT INTO comments (article_id, type, author_name, author_email, "
    "author_url, body, status, reasons, created_at) VALUES "
    "(:article, 'comment', '读者', 'r@example.cn', '', :body, :status, '[]', :now)"
)


def _seed_old_site(statuses: dict[str, int]) -> None:
    db.session.execute(
        text(
            "INSERT INTO users (id, username, display_name, role, active, bio, "
            "session_version, created_at) VALUES "
            "(1, 'old', '老用户', 'contributor', :yes, '', 1, :now)"
        ),
        {"yes": True, "now": NOW},
    )
    for article in (1, 2):
        db.session.execute(
            text(
                "INSERT INTO articles (id, public_id, title, body_markdown, "
                "body_html, excerpt, summary, status, owner_id, contributor, "
                "allow_comments, view_count, comment_count, created_at, "
                "updated_at) VALUES (:id, :public_id, '旧文章', '', '', '', '', "
                "'published', 1, '', :yes, 0, 0, :now, :now)"
            ),
            {"id": article, "public_id": f"oldarticle{article:04d}", "yes": True,
             "now": NOW},
        )  # fmt: skip
    n = 0
    for status, how_many in statuses.items():
        for _ in range(how_many):
            n += 1
            db.session.execute(
                COMMENT,
                {"article": 1 + n % 2, "body": f"旧评论 {n}", "status": status,
                 "now": NOW},
            )  # fmt: skip
    db.session.commit()


def test_the_tallies_start_from_the_existing_comments(new_database):
    database_url = new_database()
    statuses = {"pending": 7, "approved": 12, "spam": 3}  # and no trash
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision=BEFORE_MODERATION)
        _seed_old_site(statuses)
        db.session.remove()
        flask_migrate.upgrade(directory=MIGRATIONS)  # to head, past MODERATION
        version = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        assert version is not None
        kept = comment_tallies()
        assert kept == recount_tallies()
        assert kept == {PENDING: 7, APPROVED: 12, SPAM: 3, TRASH: 0}
        # All four rows exist (trash at 0), so later changes only UPDATE.
        rows = dict(
            db.session.execute(text("SELECT status, count FROM comment_tallies")).all()
        )
        assert rows == {"pending": 7, "approved": 12, "spam": 3, "trash": 0}
        db.session.remove()
        db.engine.dispose()


def test_an_empty_site_starts_at_zero(new_database):
    database_url = new_database()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision=BEFORE_MODERATION)
        flask_migrate.upgrade(directory=MIGRATIONS, revision=MODERATION)
        rows = dict(
            db.session.execute(text("SELECT status, count FROM comment_tallies")).all()
        )
        assert rows == {"pending": 0, "approved": 0, "spam": 0, "trash": 0}
        db.session.remove()
        db.engine.dispose()
