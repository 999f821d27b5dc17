"""The query plans of the main public pages: every query on articles,
comments and their tags goes through an index (no full scan), and the lists
read articles in index order (no sort). On SQLite (EXPLAIN QUERY PLAN) and,
with TEST_DATABASE_URL, PostgreSQL (EXPLAIN, sequential scans discouraged as
they would be on a large table: a table of a few rows is always cheaper to
scan, which says nothing of a large site)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from cms.extensions import db
from cms.models import Article
from tests.factories import make_article, make_comment, make_user

BIG_TABLES = ("articles", "comments", "article_tags")


@contextmanager
def statements(app) -> Iterator[list[tuple[str, object]]]:
    """(SQL, parameters) of each SELECT the block sends."""
    seen: list[tuple[str, object]] = []

    def listen(_conn, _cursor, statement, parameters, _context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def sqlite_plan(connection, statement: str, parameters) -> list[str]:
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return [row[3] for row in rows]


def postgresql_plan(connection, statement: str, parameters) -> list[str]:
    connection.exec_driver_sql("SET enable_seqscan = off")
    raw = connection.exec_driver_sql(
        f"EXPLAIN (FORMAT JSON) {statement}", parameters
    ).scalar()
    nodes: list[str] = []

    def walk(node: dict) -> None:
        relation = node.get("Relation Name", "")
        index = node.get("Index Name", "")
        nodes.append(f"{node['Node Type']} {relation} {index}".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk((raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"])
    return nodes


def full_scans(dialect: str, plan: list[str]) -> list[str]:
    """The plan lines that read a large table whole."""
    if dialect == "sqlite":
        pattern = re.compile(rf"^SCAN ({'|'.join(BIG_TABLES)})\b(?!.*USING)")
    else:
        pattern = re.compile(rf"^Seq Scan ({'|'.join(BIG_TABLES)})$")
    return [line for line in plan if pattern.search(line)]


@pytest.fixture
def site(app):
    """40 articles by two authors in two categories with tags; one of them
    with 60 comments, some replies."""
    with app.app_context():
        owners = [make_user(username=f"writer{n}", password=None) for n in range(2)]
        made = [
            make_article(
                owner=owners[n % 2], category=f"分类{n % 2}", tags=(f"标签{n % 3}",),
                ago=timedelta(minutes=n + 1),
            )
            for n in range(40)
        ]  # fmt: skip
        busy = made[5]
        previous = None
        for n in range(60):
            previous = make_comment(busy, parent=previous if n % 4 else None)
    return busy.public_id


def test_the_main_pages_read_through_indexes(app, client, site):
    older = client.get("/?page=1")  # a keyset cursor: any listed article
    assert older.status_code == 200
    with app.app_context():  # a thread small enough for the plain read
        small = make_article(title="评论不多的文章")
        make_comment(small, parent=make_comment(small))
    paths = [
        "/", "/?page=2", f"/?before={site}",
        "/category/fen-lei-0/", "/author/writer1/", "/tag/biao-qian-1/",
        f"/{site}.html", f"/{site}.html?cpage=1", f"/{small.public_id}.html",
        "/feed.xml", "/sitemap.xml",
    ]  # fmt: skip
    for path in paths:
        client.get(path)
    problems: dict = {}
    sorted_lists: dict = {}
    checked = 0
    with statements(app) as seen:
        for path in paths:
            seen.clear()
            assert client.get(path).status_code == 200, path
            assert any("FROM articles" in st for st, _ in seen), path
            with app.app_context():
                connection = db.session.connection()
                dialect = connection.dialect.name
                for statement, parameters in seen:
                    explain = sqlite_plan if dialect == "sqlite" else postgresql_plan
                    plan = explain(connection, statement, parameters)
                    checked += 1
                    scans = full_scans(dialect, plan)
                    if scans:
                        problems.setdefault(path, []).append((statement[:120], plan))
                    lists = (
                        statement.startswith("SELECT articles.id, articles.public_id")
                        and "ORDER BY articles.published_at DESC" in statement
                    )
                    sorts = any("TEMP B-TREE" in line for line in plan)
                    tagged = "article_tags" in statement
                    if dialect == "sqlite" and lists and not tagged and sorts:
                        sorted_lists.setdefault(path, []).append(plan)
                db.session.rollback()
                if dialect == "postgresql":
                    db.session.execute(text("RESET enable_seqscan"))

    assert problems == {}
    assert sorted_lists == {}
    assert checked >= len(paths) * 2


def test_the_list_indexes_end_with_id(app):
    """Index order is list order on every backend (PostgreSQL does not add
    the row id to an index as SQLite does)."""
    with app.app_context():
        indexes = {index.name: [c.name for c in index.columns]
                   for index in Article.__table__.indexes}  # fmt: skip
    assert indexes["ix_articles_status_published_at"][-2:] == ["published_at", "id"]
    assert indexes["ix_articles_category_id_status_published_at_id"][-1] == "id"
    assert indexes["ix_articles_owner_id_status_published_at_id"][-1] == "id"


def test_the_home_pages_sticky_articles_are_found_by_their_index(app, site):
    """Not by walking every published article to find the few sticky ones
    (40 ms on a site of 10,000 articles). On SQLite: PostgreSQL's planner
    chooses between two indexes of a 40-row table by its statistics, which
    says nothing of a large site."""
    from cms.services.articles import home_articles, pinned_articles

    with app.app_context(), statements(app) as seen:
        connection = db.session.connection()
        if connection.dialect.name != "sqlite":
            pytest.skip("index choice on a tiny table: SQLite only")
        pinned_articles()
        db.session.scalars(home_articles().limit(10)).all()
        plans = [
            " ".join(sqlite_plan(connection, st, params))
            for st, params in seen
            if st.startswith("SELECT articles.")
        ]
    assert len(plans) == 2
    assert all("ix_articles_sticky_status_published_at_id" in p for p in plans), plans
