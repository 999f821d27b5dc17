"""Migration 7d3e9a1c5b20: the words of the comment rule settings become
word rules; e-mails and IPs stay in the settings; downgrade puts them back."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import text

from cms import create_app
from cms.extensions import db

pytestmark = [
    pytest.mark.filterwarnings("ignore:.get_engine. is deprecated:DeprecationWarning"),
    pytest.mark.usefixtures("keep_logging"),
]
MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def _settings() -> dict[str, str]:
    rows = db.session.execute(text("SELECT key, value FROM settings"))
    found = {row.key: row.value for row in rows}
    db.session.remove()
    return found


def test_setting_words_become_rules_and_come_back(new_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="5b0c7e2f4a91")
        insert = text(
            "INSERT INTO settings (key, value, updated_at) "
            "VALUES (:k, :v, '2026-01-01 00:00:00')"
        )
        old = "# 注释\n代开发票\nbad@spam.example\n1.2.3.0/24\n网赌"
        db.session.execute(insert, {"k": "comments.disallowed", "v": old})
        db.session.execute(
            insert, {"k": "comments.moderation_words", "v": "加微信\n10.0.0.1"}
        )
        db.session.commit()
        db.session.remove()

        flask_migrate.upgrade(directory=MIGRATIONS, revision="7d3e9a1c5b20")

        rules = db.session.execute(
            text("SELECT phrase, action, kind, scopes FROM word_rules ORDER BY id")
        ).all()
        db.session.remove()
        assert [tuple(r) for r in rules] == [
            ("代开发票", "spam", "word", "comments,names"),
            ("网赌", "spam", "word", "comments,names"),
            ("加微信", "hold", "word", "comments,names"),
        ]
        assert _settings() == {
            "comments.disallowed": "# 注释\nbad@spam.example\n1.2.3.0/24",
            "comments.moderation_words": "10.0.0.1",
        }

        flask_migrate.downgrade(directory=MIGRATIONS, revision="5b0c7e2f4a91")

        assert _settings() == {
            "comments.disallowed": (
                "# 注释\nbad@spam.example\n1.2.3.0/24\n代开发票\n网赌"
            ),
            "comments.moderation_words": "10.0.0.1\n加微信",
        }
        db.engine.dispose()
