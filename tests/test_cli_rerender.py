"""`flask cms rerender`: articles and pages stored before the renderer
learned footnotes (and the rest) get their HTML rendered again from the
source, as a save would make it (the word rules, an imported HTML body read
as HTML); the page cache hears of each one that changed; a second run
changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import text, update

from cms.database import write_transaction
from cms.events import AFTER_COMMIT, ArticleChanged, PageChanged, subscribe
from cms.extensions import db
from cms.models import Article, Page, Role
from cms.services.page_edits import PageInput
from cms.services.pages import create_page
from cms.services.wordrule_store import add_rule
from cms.text.wordfilter import Action, Rule
from tests.factories import make_article, make_user

FOOTNOTED = "正文有脚注[^1]。\n\n[^1]: 脚注的内容。\n"
OLD_HTML = "<p>正文有脚注[^1]。</p>\n<p>[^1]: 脚注的内容。</p>\n"
LONG_AGO = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)


def _age(model, row_id: int, html: str, **values) -> None:
    """Store `html` as the row's rendition, as an older release left it
    (call inside an app context)."""
    with write_transaction():
        db.session.execute(
            update(model)
            .where(model.id == row_id)
            .values(body_html=html, updated_at=LONG_AGO, **values)
        )


def _stored(model, row_id: int):
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_old_html_gets_footnotes_and_a_second_run_changes_nothing(app, runner):
    heard: list = []
    subscribe(app, ArticleChanged, heard.append, AFTER_COMMIT)
    subscribe(app, PageChanged, heard.append, AFTER_COMMIT)
    with app.app_context():
        add_rule(Rule("最差", Action.REPLACE, "不太好", frozenset({"articles"})), None)
        owner = make_user(username="old-writer", password=None, role=Role.ADMIN)
        article = make_article(title="旧文章", body=FOOTNOTED + "\n最差的体验。\n")
        fresh = make_article(title="新文章", body="没有变化。", owner=owner)
        imported = make_article(title="导入的", body="<p>导入的 *正文*</p>")
        page = create_page(PageInput("关于", FOOTNOTED, slug="about"), owner)
        ids = article.id, fresh.id, imported.id, page.id
        _age(Article, ids[0], OLD_HTML)
        # a WordPress import keeps its HTML as the source
        _age(Article, ids[2], "<p>旧的</p>", body_format="html")
        _age(Page, ids[3], OLD_HTML)
    heard.clear()

    result = runner.invoke(args=["cms", "rerender"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "rerender: 2 of 3 article(s) and 1 of 1 page(s) changed"
    )
    with app.app_context():
        article = _stored(Article, ids[0])
        assert 'class="footnote-ref"' in article.body_html
        assert 'class="footnotes' in article.body_html
        assert "[^1]" not in article.body_html
        assert "不太好的体验" in article.body_html  # the word rules, as a save
        assert "最差" in article.body_markdown  # the source as written
        assert article.updated_at == LONG_AGO  # not an edit
        html = _stored(Article, ids[2]).body_html
        assert html == "<p>导入的 *正文*</p>"  # read as HTML, not Markdown
        assert 'class="footnote-ref"' in _stored(Page, ids[3]).body_html
    assert sorted(
        (type(e).__name__, e.article_id if isinstance(e, ArticleChanged) else e.page_id)
        for e in heard
    ) == sorted([("ArticleChanged", ids[0]), ("ArticleChanged", ids[2]),
                 ("PageChanged", ids[3])])  # fmt: skip
    assert all(e.fields == frozenset({"body"}) for e in heard)

    heard.clear()
    again = runner.invoke(args=["cms", "rerender"])

    assert again.exit_code == 0
    assert re.fullmatch(
        r"rerender: 0 of 3 article\(s\) and 0 of 1 page\(s\) changed\n", again.output
    )
    assert heard == []


def test_batches_cover_every_row(app):
    from cms.services.renditions import rerender_all

    with app.app_context():
        owner = make_user(username="batch-writer", password=None)
        made = [make_article(body=FOOTNOTED, owner=owner).id for _ in range(5)]
        for article_id in made:
            _age(Article, article_id, OLD_HTML)

        done = rerender_all(batch_size=2)

        assert (done.articles, done.articles_changed) == (5, 5)
        assert all(
            'class="footnote-ref"' in _stored(Article, i).body_html for i in made
        )


def test_upgrade_migrates_then_cleans_and_renders_again(tmp_path):
    """`flask cms upgrade` on a site an older release left: the schema goes
    to the head, old HTML is rendered again; a second run changes nothing."""
    import flask_migrate
    from alembic.script import ScriptDirectory

    from cms import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite'}",
                      "MEDIA_URL": f"file://{tmp_path / 'media'}"})  # fmt: skip
    with app.app_context():
        flask_migrate.upgrade(revision="f8b0d2e4a6c5")  # an earlier release
        flask_migrate.upgrade()
        article_id = make_article(title="旧文章", body=FOOTNOTED).id
        _age(Article, article_id, OLD_HTML)
        flask_migrate.downgrade(revision="f8b0d2e4a6c5")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["cms", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "rerender: 1 of 1 article(s)" in first.output
    with app.app_context():
        assert 'class="footnote' in _stored(Article, article_id).body_html
        version = db.session.execute(text("SELECT version_num FROM alembic_version"))
        config = app.extensions["migrate"].migrate.get_config()
        assert (
            version.scalar() == ScriptDirectory.from_config(config).get_current_head()
        )
    again = runner.invoke(args=["cms", "upgrade"])
    assert "rerender: 0 of 1 article(s)" in again.output
