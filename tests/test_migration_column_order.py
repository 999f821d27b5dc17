"""Migration 5e2f7a9c1d84: on SQLite the articles table is rebuilt with its
large columns last, in the model's order, keeping every row, index and the
rows that point at it; on PostgreSQL nothing changes."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import inspect, text

from cms import create_app
from cms.extensions import db
from cms.models import Article
from tests.test_migrations import _insert_row

pytestmark = [
    pytest.mark.filterwarnings("ignore:.get_engine. is deprecated:DeprecationWarning"),
    pytest.mark.usefixtures("keep_logging"),
]
MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
BEFORE = "91b997c0218d"
LARGE = ["excerpt", "review_note", "toc", "body_html", "body_markdown"]


def _columns() -> list[str]:
    return [column["name"] for column in inspect(db.engine).get_columns("articles")]


def test_the_large_columns_move_last_and_nothing_is_lost(new_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision=BEFORE)
        sqlite = db.engine.dialect.name == "sqlite"
        before = _columns()
        if sqlite:  # as migrations had left it: bodies before public_title
            assert before.index("body_html") < before.index("public_title")
        owner = _insert_row("users", username="a", display_name="甲", role="admin")
        article = _insert_row(
            "articles", public_id="A" * 16, title="题", public_title="题",
            body_markdown="正文" * 3000, body_html="<p>" + "正文" * 3000 + "</p>",
            status="published", owner_id=owner, toc=[[2, "h", "节"]], view_count=9,
        )  # fmt: skip
        comment = _insert_row(
            "comments", article_id=article, author_name="读者", body="好文",
            type="comment", status="approved",
        )  # fmt: skip
        db.session.commit()
        db.session.remove()

        flask_migrate.upgrade(directory=MIGRATIONS)

        after = _columns()
        assert sorted(after) == sorted(before)
        if sqlite:
            assert after == [column.name for column in Article.__table__.columns]
            assert after[-len(LARGE) :] == LARGE
        else:
            assert after == before
        row = db.session.execute(
            text("SELECT public_title, view_count, length(body_html) FROM articles")
        ).one()
        assert tuple(row) == ("题", 9, len("<p>" + "正文" * 3000 + "</p>"))
        assert db.session.execute(
            text("SELECT article_id FROM comments WHERE id = :id"), {"id": comment}
        ).scalar_one() == article  # fmt: skip
        indexes = {
            index["name"] for index in inspect(db.engine).get_indexes("articles")
        }
        assert "ix_articles_status_published_at" in indexes
        db.session.remove()
        db.engine.dispose()
