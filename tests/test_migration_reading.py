"""Migration 480a778ce037: existing articles get their word count, reading
minutes and table of contents from their stored body_html (the migration's
own frozen copy of the rule); the columns are NOT NULL after it; downgrade
drops them."""

from __future__ import annotations

import json
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import inspect, null, text
from sqlalchemy.exc import IntegrityError

from cms import create_app
from cms.extensions import db
from tests.test_migrations import _insert_row

pytestmark = [
    pytest.mark.filterwarnings("ignore:.get_engine. is deprecated:DeprecationWarning"),
    pytest.mark.usefixtures("keep_logging"),
]
MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
BEFORE = "a7c41e9d2b60"
COLUMNS = {"reading_words", "reading_minutes", "toc"}

# A body as the renderer made it at BEFORE: 37 Han characters (the footnote
# counts, its mark and the heading permalinks do not), 4 Latin words; the h4
# is not in the table of contents.
HTML = "\n".join(
    [
        '<p>引言里有 Python 和 Flask 3.0 两个词<sup class="footnote-ref">'
        '<a href="#h-fn1" id="h-fnref1">[1]</a></sup>。</p>',
        '<h2 id="h-第一节-setup">第一节 Setup '
        '<a class="header-anchor" href="#h-第一节-setup">#</a></h2>',
        "<p>正文第一段。</p>",
        '<h3 id="h-细节-注意">细节 &amp; 注意 '
        '<a class="header-anchor" href="#h-细节-注意">#</a></h3>',
        "<p>正文第二段。</p>",
        '<h4 id="h-不算的小标题">不算的小标题 '
        '<a class="header-anchor" href="#h-不算的小标题">#</a></h4>',
        '<hr class="footnotes-sep">',
        '<section class="footnotes">',
        '<ol class="footnotes-list">',
        '<li id="h-fn1" class="footnote-item"><p>脚注不算正文。 '
        '<a href="#h-fnref1" class="footnote-backref">↩︎</a></p>',
        "</li>",
        "</ol>",
        "</section>",
        "",
    ]
)
TOC = [[2, "h-第一节-setup", "第一节 Setup"], [3, "h-细节-注意", "细节 & 注意"]]


def _stored() -> dict[int, tuple]:
    rows = db.session.execute(
        text("SELECT id, reading_words, reading_minutes, toc FROM articles")
    )
    found = {
        row.id: (
            row.reading_words,
            row.reading_minutes,
            json.loads(row.toc) if isinstance(row.toc, str) else row.toc,
        )
        for row in rows
    }
    db.session.remove()
    return found


def _article_columns() -> set[str]:
    with db.engine.connect() as connection:
        return {c["name"] for c in inspect(connection).get_columns("articles")}


def test_existing_articles_are_filled_from_their_body(new_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision=BEFORE)
        owner = _insert_row("users", username="old", display_name="旧", role="admin")
        bodies = {"headings": HTML, "long": f"<p>{'字' * 1000}</p>", "empty": ""}
        ids = {
            name: _insert_row(
                "articles", owner_id=owner, status="published", body_html=html
            )
            for name, html in bodies.items()
        }
        db.session.remove()

        flask_migrate.upgrade(directory=MIGRATIONS)

        assert _stored() == {
            ids["headings"]: (41, 1, TOC),
            ids["long"]: (1000, 3, []),  # 1000 / 400 a minute, rounded up
            ids["empty"]: (0, 0, []),
        }
        for column in sorted(COLUMNS):  # an SQL NULL, not JSON's null
            with pytest.raises(IntegrityError, match=r"(?i)not.null"):
                _insert_row("articles", owner_id=owner, **{column: null()})
            db.session.rollback()

        flask_migrate.downgrade(directory=MIGRATIONS, revision=BEFORE)
        assert not COLUMNS & _article_columns()
        db.session.remove()
        db.engine.dispose()
