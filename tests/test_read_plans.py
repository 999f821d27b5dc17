"""cms.read_plans through cms.database.read_rows: a planned read gives what
SQLAlchemy's own execution gives (types converted both ways), on SQLite and
on PostgreSQL; statements it cannot plan take the engine's path; listeners
see its statements; its errors are SQLAlchemy's."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, event, literal_column, or_, select, union_all
from sqlalchemy.exc import DBAPIError

from cms import read_plans
from cms.database import read_rows
from cms.extensions import db
from cms.models import Article, ArticleStatus, Comment, CommentStatus, Setting
from tests.factories import make_article, make_comment

# Columns of every kind a page reads: enum, UTC time (and a NULL one), JSON,
# text, integers, booleans.
COMMENT_COLUMNS = (
    Comment.id, Comment.status, Comment.created_at, Comment.pinned_at,
    Comment.reasons, Comment.body, Comment.author_name,
)  # fmt: skip
BY_ARTICLE = (
    select(*COMMENT_COLUMNS)
    .where(Comment.article_id == bindparam("article_id"),
           Comment.status == CommentStatus.APPROVED,
           Comment.created_at <= bindparam("until", type_=Comment.created_at.type))
    .order_by(Comment.id)
)  # fmt: skip


def planned(statement, parameters=None):
    """read_rows by the statement's plan (a statement is planned at its
    second use)."""
    read_rows(statement, parameters)
    assert read_plans.plan_for(statement, db.session.connection().dialect)
    return read_rows(statement, parameters)


def engine_rows(statement, parameters=None) -> list[tuple]:
    """The same read through SQLAlchemy's own execution."""
    return [tuple(row) for row in db.session.execute(statement, parameters)]


@pytest.fixture
def comments(ctx):
    article = make_article(allow_comments=True)
    shown = [
        make_comment(article, body="第一条", reasons=[{"rule": "链接", "n": 2}]),
        make_comment(article, body="第二条 <b>", pinned_at=datetime.now(UTC)),
        make_comment(article, body="待审", status="pending"),
    ]
    return article, shown


def test_a_planned_read_gives_what_the_engine_gives(comments):
    article, _ = comments
    parameters = {"article_id": article.id, "until": datetime.now(UTC)}
    rows = planned(BY_ARTICLE, parameters)
    assert rows == engine_rows(BY_ARTICLE, parameters)
    assert [row[5] for row in rows] == ["第一条", "第二条 <b>"]
    first, second = rows
    assert first[1] is CommentStatus.APPROVED
    assert first[2].tzinfo is not None and first[2].utcoffset() == timedelta(0)
    assert first[3] is None and second[3].tzinfo is not None
    assert first[4] == [{"rule": "链接", "n": 2}]
    # Bound values go through the column's type too: a time before the
    # comments finds none of them.
    earlier = {"article_id": article.id, "until": first[2] - timedelta(days=1)}
    assert read_rows(BY_ARTICLE, earlier) == []


def test_the_plan_is_made_once_and_kept(comments):
    article, _ = comments
    parameters = {"article_id": article.id, "until": datetime.now(UTC)}
    read_rows(BY_ARTICLE, parameters)
    read_rows(BY_ARTICLE, parameters)
    plan = read_plans.plan_for(BY_ARTICLE, db.session.connection().dialect)
    assert plan is not None and plan.results is not None
    read_rows(BY_ARTICLE, parameters)
    assert read_plans.plan_for(BY_ARTICLE, db.session.connection().dialect) is plan


def test_a_name_bound_twice_is_bound_twice(ctx):
    older = make_article(title="旧", ago=timedelta(days=2))
    newer = make_article(title="新", ago=timedelta(days=1))
    at = bindparam("at", type_=Article.published_at.type)
    statement = (
        select(Article.public_title)
        .where(or_(Article.published_at < at, Article.published_at == at))
        .order_by(Article.id)
    )
    assert planned(statement, {"at": newer.published_at}) == [("旧",), ("新",)]
    assert read_rows(statement, {"at": older.published_at}) == [("旧",)]


def test_a_union_reads_by_its_plan(ctx):
    article = make_article(title="唯一")
    side = literal_column("'one'").label("side")
    one = select(side, Article.public_title).where(Article.id == bindparam("id"))
    statement = union_all(one, select(side, Article.public_title).where(False))
    assert planned(statement, {"id": article.id}) == [("one", "唯一")]


def test_an_expanding_in_takes_the_engines_path(ctx):
    for key in ("a", "b", "c"):
        db.session.add(Setting(key=key, value=key.upper()))
    db.session.commit()
    statement = (
        select(Setting.key, Setting.value)
        .where(Setting.key.in_(bindparam("keys", expanding=True)))
        .order_by(Setting.key)
    )
    assert read_rows(statement, {"keys": ["a", "c"]}) == [("a", "A"), ("c", "C")]
    assert read_plans.plan_for(statement, db.session.connection().dialect) is None
    assert read_rows(statement, {"keys": ["b"]}) == [("b", "B")]


def test_a_statement_is_planned_when_it_comes_back(ctx):
    db.session.add(Setting(key="site.name", value="站"))
    db.session.commit()
    dialect = db.session.connection().dialect
    kept = select(Setting.value).where(Setting.key == bindparam("key"))
    assert read_rows(kept, {"key": "site.name"}) == [("站",)]  # the engine's path
    assert read_rows(kept, {"key": "site.name"}) == [("站",)]  # planned
    assert read_plans.plan_for(kept, dialect) is not None
    # A statement built per request is seen once and never planned, and the
    # table does not keep it alive.
    once = select(Setting.value).where(Setting.key == bindparam("key"))
    assert read_rows(once, {"key": "site.name"}) == [("站",)]
    assert read_plans._plans[once] == {}
    gone = weakref.ref(once)
    del once
    gc.collect()
    assert gone() is None
    assert kept in read_plans._plans


def test_listeners_see_the_statement_and_its_arguments(comments):
    article, _ = comments
    seen = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        planned(BY_ARTICLE, {"article_id": article.id, "until": datetime.now(UTC)})
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    (statement, parameters), *_ = [s for s in seen if "FROM comments" in s[0]]
    assert statement.lstrip().upper().startswith("SELECT")
    values = parameters.values() if isinstance(parameters, dict) else parameters
    assert article.id in list(values)


def test_a_database_error_is_sqlalchemy_s(ctx):
    statement = select(Setting.key).where(Setting.key == bindparam("key"))
    planned(statement, {"key": "x"})
    db.session.rollback()
    raw = db.session.connection().connection.dbapi_connection
    raw.close()  # the database "went away" under the session
    with pytest.raises(DBAPIError) as raised:
        read_rows(statement, {"key": "x"})
    assert raised.value.connection_invalidated
    # The values are kept out of the message, as the engine keeps them
    # (config: hide_parameters), so no reader's data reaches a log.
    assert db.engine.hide_parameters and raised.value.hide_parameters
    assert "'x'" not in str(raised.value)
    db.session.rollback()
    db.session.remove()
    # The invalidated connection is never handed out again.
    assert db.session.connection().connection.dbapi_connection is not raw


def test_a_missing_parameter_is_named(ctx):
    statement = select(Article.id).where(Article.status == ArticleStatus.PUBLISHED,
                                         Article.id == bindparam("wanted"))  # fmt: skip
    read_rows(statement, {"wanted": 1})
    with pytest.raises(KeyError, match="wanted"):
        read_rows(statement, {})
