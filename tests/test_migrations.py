"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from cms import create_app
from cms.extensions import db

pytestmark = pytest.mark.filterwarnings(
    # The stock Flask-Migrate env.py tries the old get_engine() first.
    "ignore:.get_engine. is deprecated:DeprecationWarning"
)
pytestmark = pytest.mark.usefixtures("keep_logging")
MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def schema_diff() -> list:
    """What autogenerate would still write: empty when the database matches."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def schema_facts() -> dict:
    """What compare_metadata does not look at: CHECK constraints, and names."""
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        tables = sorted(
            t for t in inspector.get_table_names() if t != "alembic_version"
        )
        return {
            "tables": tables,
            "checks": {
                t: sorted(c["name"] for c in inspector.get_check_constraints(t))
                for t in tables
            },
            "indexes": {
                t: sorted(i["name"] for i in inspector.get_indexes(t)) for t in tables
            },
            "foreign_keys": {
                t: sorted(fk["name"] for fk in inspector.get_foreign_keys(t))
                for t in tables
            },
        }


def table_names() -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def test_upgrading_an_empty_database_gives_the_models_schema(new_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with app.app_context():
        assert table_names() == set()
        flask_migrate.upgrade(directory=MIGRATIONS)
        assert schema_diff() == []
        assert table_names() == set(db.metadata.tables) | {"alembic_version"}
        db.engine.dispose()


def test_the_migrated_schema_has_the_same_constraints_as_create_all(new_database):
    migrated = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with migrated.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        from_migrations = schema_facts()
        db.engine.dispose()
    created = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with created.app_context():
        db.create_all()
        from_models = schema_facts()
        db.engine.dispose()
    assert from_migrations == from_models
    assert from_models["checks"]["users"]  # the role CHECK exists at all


def test_downgrade_to_base_and_upgrade_again(new_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        flask_migrate.downgrade(directory=MIGRATIONS, revision="base")
        assert table_names() <= {"alembic_version"}
        flask_migrate.upgrade(directory=MIGRATIONS)
        assert schema_diff() == []
        db.engine.dispose()


def test_the_migrations_form_one_line_of_history(new_database):
    from alembic.script import ScriptDirectory

    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(MIGRATIONS)
        heads = ScriptDirectory.from_config(config).get_heads()
        assert len(heads) == 1, f"several heads: {heads}; merge them"


def test_the_editorial_migration_keeps_existing_rows_and_fills_defaults(new_database):
    """Upgrading a site that has content: on SQLite the articles table is
    rebuilt, which must not cascade into its comments."""
    from sqlalchemy import text

    now = "2026-01-01 00:00:00"
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="d0a4e542d2b3")
        db.session.execute(
            text(
                "INSERT INTO users (id, username, display_name, role, active, bio, "
                "session_version, created_at) VALUES "
                "(1, 'old', '老用户', 'editor', :yes, '', 1, :now)"
            ),
            {"yes": True, "now": now},
        )
        db.session.execute(
            text(
                "INSERT INTO articles (id, public_id, title, body_markdown, "
                "body_html, excerpt, summary, status, owner_id, contributor, "
                "allow_comments, view_count, comment_count, created_at, "
                "updated_at) VALUES (1, 'oldarticle000001', '旧文章', '', '', '', "
                "'', 'published', 1, '', :yes, 5, 1, :now, :now)"
            ),
            {"yes": True, "now": now},
        )
        db.session.execute(
            text(
                "INSERT INTO comments (id, article_id, type, author_name, "
                "author_email, author_url, body, status, reasons, ip, user_agent, "
                "created_at) VALUES (1, 1, 'comment', '读者', 'a@example.cn', '', "
                "'旧评论', 'approved', '[]', '', '', :now)"
            ),
            {"now": now},
        )
        db.session.commit()
        db.session.remove()

        flask_migrate.upgrade(directory=MIGRATIONS)

        assert db.session.scalar(text("SELECT count(*) FROM comments")) == 1
        row = db.session.execute(
            text(
                "SELECT version, show_tip, tip_opens, review_note, view_count "
                "FROM articles"
            )
        ).one()
        assert (row.version, bool(row.show_tip), row.tip_opens) == (1, True, 0)
        assert (row.review_note, row.view_count) == ("", 5)
        user = db.session.execute(
            text("SELECT avatar, tip_wechat, tip_alipay FROM users")
        ).one()
        assert tuple(user) == ("", "", "")
        db.session.remove()
        db.engine.dispose()


OLD_REASONS = [
    "honeypot",
    "too fast",
    "2 links",
    "disallowed word: 代开发票",
    "disallowed e-mail: @spam.example",
    "disallowed IP range: 203.0.113.0/24",
    "word: 加微信",
    "IP: 198.51.100.7",
    "repeated text",
    "approval required",
    "first comment",
    "known commenter",
    "staff",
    "something an old version wrote",
]
NEW_REASONS = [
    {"code": "honeypot", "params": {}},
    {"code": "too_fast", "params": {}},
    {"code": "links", "params": {"count": 2}},
    {"code": "disallowed_word", "params": {"rule": "代开发票"}},
    {"code": "disallowed_email", "params": {"rule": "@spam.example"}},
    {"code": "disallowed_ip_range", "params": {"rule": "203.0.113.0/24"}},
    {"code": "held_word", "params": {"rule": "加微信"}},
    {"code": "held_ip", "params": {"rule": "198.51.100.7"}},
    {"code": "repeated_text", "params": {}},
    {"code": "approval_required", "params": {}},
    {"code": "first_comment", "params": {}},
    {"code": "known_commenter", "params": {}},
    {"code": "staff", "params": {}},
    {"code": "legacy", "params": {"text": "something an old version wrote"}},
]


def test_the_reasons_migration_turns_old_phrases_into_data(new_database):
    """A comment stored at daed8dae1f9e with the English phrases gets
    reasons as data, which the queue words in Chinese; downgrading gives the
    phrases back."""
    import json

    from sqlalchemy import text

    from cms.services.reasons import reason_text
    from tests.factories import make_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="daed8dae1f9e")
        # Rows written in SQL: the models may have columns this revision lacks.
        owner = make_user(password=None)
        db.session.execute(
            text(
                "INSERT INTO articles (public_id, title, body_markdown, body_html,"
                " excerpt, summary, status, owner_id, contributor, allow_comments,"
                " view_count, comment_count, created_at, updated_at) VALUES"
                " ('migrationtest001', '文章', '', '', '', '', 'published', :o, '',"
                " 1, 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"o": owner.id},
        )
        article_id = db.session.scalar(text("SELECT max(id) FROM articles"))
        insert = text(
            "INSERT INTO comments (article_id, type, author_name, author_email,"
            " author_url, body, status, reasons, created_at)"
            " VALUES (:a, 'comment', '读者', 'reader@example.cn', '', :body,"
            " :status, :r, CURRENT_TIMESTAMP)"
        )
        ids = []
        for body, status, reasons in (("评论一", "pending", json.dumps(OLD_REASONS)),
                                      ("评论二", "approved", "[]")):  # fmt: skip
            params = {"a": article_id, "body": body, "status": status, "r": reasons}
            db.session.execute(insert, params)
            ids.append(db.session.scalar(text("SELECT max(id) FROM comments")))
        held, plain = ids
        db.session.commit()
        db.session.remove()

        def stored() -> dict:
            rows = db.session.execute(text("SELECT id, reasons FROM comments"))
            found = {
                row.id: json.loads(row.reasons)
                if isinstance(row.reasons, str)
                else row.reasons
                for row in rows
            }
            db.session.remove()
            return found

        flask_migrate.upgrade(directory=MIGRATIONS)
        after = stored()
        assert after == {held: NEW_REASONS, plain: []}
        assert [reason_text(r) for r in after[held][:4]] == [
            "机器人陷阱", "提交太快", "2 个链接", "黑名单：关键词：代开发票",
        ]  # fmt: skip

        flask_migrate.downgrade(directory=MIGRATIONS, revision="daed8dae1f9e")
        assert stored() == {held: OLD_REASONS, plain: []}
        db.engine.dispose()
