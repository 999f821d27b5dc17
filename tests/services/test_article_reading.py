"""The reading time and table of contents are stored with an article's body
(cms.models.article.body_columns): equal to what cms.text.reading derives
from the stored HTML after every way the HTML is written, never missing."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, Role
from cms.services import editorial, renditions, wordrule_store
from cms.services.article_edits import ArticleEdit
from cms.text.reading import Reading, TocEntry, reading_of, table_of_contents
from cms.text.wordfilter import Action, Rule
from tests.factories import make_article, make_user

ARTICLES = frozenset({"articles"})
BODY = """引言里有 Python 和 Flask 两个词[^1]。

## 第一节

正文第一段。

### 细节

正文第二段。

## 第二节

结尾。

[^1]: 脚注。
"""


def stored(article_id: int) -> tuple[int, int, list]:
    """The three columns as the database holds them (no object cache)."""
    db.session.expire_all()
    row = db.session.execute(
        select(Article.reading_words, Article.reading_minutes, Article.toc).where(
            Article.id == article_id
        )
    ).one()
    return tuple(row)


def derived(html: str) -> tuple[int, int, list]:
    """What cms.text.reading gives for `html`, as the columns hold it."""
    reading = reading_of(html)
    toc = [[e.level, e.id, e.text] for e in table_of_contents(html)]
    return reading.words, reading.minutes, toc


def test_a_saved_article_stores_what_its_body_gives(ctx):
    article = make_article(body=BODY)

    words, minutes, toc = stored(article.id)
    assert (words, minutes, toc) == derived(article.body_html)
    assert words > 10 and minutes == 1
    assert [entry[2] for entry in toc] == ["第一节", "细节", "第二节"]
    # What the page reads: the same shape cms.text.reading gives.
    assert article.reading == Reading(words, minutes)
    assert article.table_of_contents == table_of_contents(article.body_html)
    assert all(isinstance(e, TocEntry) for e in article.table_of_contents)


def test_an_edit_of_the_body_updates_them(ctx):
    editor = make_user(username="editor", role=Role.EDITOR)
    article = make_article(body=BODY, owner=editor)
    before = stored(article.id)

    longer = "## 只有一节\n\n" + "长的正文。" * 300
    editorial.save(editor, article.id, ArticleEdit("标题", longer), article.version)

    after = stored(article.id)
    assert after != before
    assert after == derived(db.session.get(Article, article.id).body_html)
    assert after[1] == 4  # 1500 Han characters at 400 a minute
    assert [entry[2] for entry in after[2]] == ["只有一节"]


def test_rerendering_after_a_word_rule_change_updates_them(ctx):
    article = make_article(body="## 最大的优惠\n\n国内最大的平台。\n")
    assert stored(article.id)[0] == 12  # 5 + 7 Han characters
    wordrule_store.add_rule(Rule("最大的", Action.STRIP, scopes=ARTICLES), None)

    done = renditions.rerender_all()

    assert done.articles_changed == 1
    words, _, toc = stored(article.id)
    assert words == 6  # "最大的" gone twice
    assert [entry[2] for entry in toc] == ["优惠"]
    assert (words, _, toc) == derived(db.session.get(Article, article.id).body_html)


def test_rerender_brings_values_of_an_older_rule_up_to_date(ctx):
    """Stored under a rule the code no longer has (the HTML itself is
    current): `flask cms rerender` derives them again, and only them."""
    article = make_article(body=BODY)
    current = stored(article.id)
    with write_transaction():
        db.session.execute(
            update(Article)
            .where(Article.id == article.id)
            .values(reading_words=1, reading_minutes=9, toc=[])
        )

    assert renditions.rerender_all().articles_changed == 1
    assert stored(article.id) == current
    assert renditions.rerender_all().articles_changed == 0


def test_a_row_written_without_them_gets_them_from_its_body(ctx):
    """Rows inserted as dicts (an import, a site export made before the
    columns) need not name them: the INSERT derives them."""
    owner = make_user(username="bulk")
    html = db.session.get(Article, make_article(body=BODY, owner=owner).id).body_html
    rows = [
        {"title": "批量一", "owner_id": owner.id, "body_html": html},
        {"title": "批量二", "owner_id": owner.id},  # body_html's default: ""
    ]
    with write_transaction():
        ids = list(
            db.session.scalars(
                insert(Article).returning(Article.id, sort_by_parameter_order=True),
                rows,
            )
        )

    assert stored(ids[0]) == derived(html)
    assert stored(ids[1]) == (0, 0, [])


def test_a_row_without_them_is_refused(ctx):
    """No server default: SQL that leaves them out fails instead of storing
    a wrong reading time (and the article page has no fallback)."""
    owner = make_user(username="raw")
    with pytest.raises(IntegrityError, match="reading_words"), write_transaction():
        db.session.execute(
            text(
                "INSERT INTO articles (public_id, title, public_title,"
                " body_markdown, body_html, excerpt, summary, status,"
                " owner_id, contributor, source, source_url, allow_comments,"
                " show_tip, tip_opens, version, review_note, view_count,"
                " sticky, body_format, comment_count, created_at, updated_at)"
                " VALUES ('rawrawrawrawraw1', 't', 't', '', '<p>字</p>', '', '',"
                " 'draft', :owner, '', 'original', '', :yes, :yes, 0, 1, '', 0,"
                " :no, 'markdown', 0, '2026-01-01', '2026-01-01')"
            ),
            {"owner": owner.id, "yes": True, "no": False},
        )
