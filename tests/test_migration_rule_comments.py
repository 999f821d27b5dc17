"""Migration b4d6f8a0c2e1: a site seeded before the shipped rule lists were
commented in Chinese shows Chinese comment lines on its settings page after
the upgrade; an editor's own lines stay; downgrade puts the old ones back."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import text

import cms
from cms import create_app
from cms.extensions import db

pytestmark = [
    pytest.mark.filterwarnings("ignore:.get_engine. is deprecated:DeprecationWarning"),
    pytest.mark.usefixtures("keep_logging"),
]
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
DATA = Path(cms.__file__).parent / "data"
FILES = {
    "comments.disallowed": "comments-disallowed.txt",
    "comments.moderation_words": "comments-moderation-words.txt",
}


def _migration():
    path = MIGRATIONS / "versions" / "b4d6f8a0c2e1_shipped_rule_comments_in_chinese.py"
    spec = importlib.util.spec_from_file_location("rule_comments", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _as_seeded_before(key: str) -> str:
    """What seed-demo stored before: the shipped list with English comments."""
    value = (DATA / FILES[key]).read_text(encoding="utf-8")
    for name, english, chinese in _migration().REPLACEMENTS:
        if name == key:
            value = value.replace(chinese, english)
    return value


def _english_comments(value: str) -> list[str]:
    return [
        line
        for line in value.splitlines()
        if line.startswith("#")
        and re.search(r"[A-Za-z]{3,}", re.sub(r"comments\.\w+", "", line))
    ]


def _settings() -> dict[str, str]:
    rows = db.session.execute(text("SELECT key, value FROM settings"))
    found = {row.key: row.value for row in rows}
    db.session.remove()
    return found


def test_old_english_comment_lines_become_chinese_and_come_back(new_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    old = {key: _as_seeded_before(key) for key in FILES}
    old["comments.disallowed"] += "# My own note\nbad@spam.example\n"
    assert all(_english_comments(value) for value in old.values())
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS), revision="f8b0d2e4a6c5")
        for key, value in old.items():
            db.session.execute(
                text("INSERT INTO settings (key, value, updated_at) "
                     "VALUES (:k, :v, '2026-01-01 00:00:00')"),
                {"k": key, "v": value},
            )  # fmt: skip
        db.session.commit()
        db.session.remove()

        flask_migrate.upgrade(directory=str(MIGRATIONS), revision="b4d6f8a0c2e1")

        after = _settings()
        shipped = (DATA / FILES["comments.moderation_words"]).read_text("utf-8")
        assert after["comments.moderation_words"] == shipped
        assert after["comments.disallowed"] == (
            (DATA / FILES["comments.disallowed"]).read_text("utf-8")
            + "# My own note\nbad@spam.example\n"
        )
        assert _english_comments(after["comments.disallowed"]) == ["# My own note"]

        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="f8b0d2e4a6c5")

        assert _settings() == old
