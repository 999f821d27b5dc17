"""`flask cms export` / `flask cms import`: every table, byte-exact round trip."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from cms import create_app
from cms.database import write_transaction
from cms.extensions import db
from cms.models import (
    Article,
    AuditEntry,
    CategoryRedirect,
    Comment,
    CommentTally,
    DailyViews,
    JobRun,
    MailNotice,
    OutboxMessage,
    Page,
    RateLimit,
    Revision,
    Setting,
    UsedToken,
    User,
)
from cms.services import portable
from cms.services.demo import seed_demo
from cms.services.tallies import comment_tallies
from tests.factories import make_comment
from tests.speedups import copy_database

PASSWORD = "correct horse battery staple"
LATE = datetime(2020, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def fill_site() -> None:
    """A site with a row in every table the models have (call in a context)."""
    copy_database(db, "demo", seed_demo)  # seed_demo, once a process
    article = db.session.scalars(select(Article).order_by(Article.id)).first()
    first = make_comment(article, body="第一条")
    reply = make_comment(article, body="回复", parent=first, status="pending")
    make_comment(article, body="垃圾", status="spam")
    with write_transaction():
        # A parent with a larger id than its child: the import must still link it.
        late = Comment(
            article_id=article.id,
            author_name="后来者",
            body="后来的父评论",
            status="approved",
            created_at=LATE,
        )
        db.session.add(late)
        db.session.flush()
        db.session.get(Comment, first.id).parent_id = late.id
        db.session.add(MailNotice(comment_id=reply.id))
        db.session.add(AuditEntry(action="comment.approve", target_type="comment",
                                  target_ids=[first.id], changes={"1": {"from": "p",
                                  "to": "a", "中文": [1, 2.5, None]}}))  # fmt: skip
        db.session.add(OutboxMessage(kind="mail", payload={"to": "a@b.cn"}))
        db.session.add(JobRun(name="tick", last_run_at=datetime.now(UTC)))
        db.session.add(UsedToken(token_id="t1"))
        db.session.add(
            CategoryRedirect(old_slug="old", category_id=article.category_id)
        )
        db.session.add(RateLimit(key="k", count=3, expires_at=1234567890.125))
        db.session.add(DailyViews(day=date(2026, 1, 1), views_at_start=12))
        db.session.merge(Setting(key="site.footer", value="测试站\n第二行"))
        # A child page whose parent has a larger id (as WordPress imports make):
        # the import links it after both are in, keeping its updated_at.
        child = Page(title="子页面", slug="child", body_markdown="", body_html="",
                     owner_id=article.owner_id)  # fmt: skip
        db.session.add(child)
        db.session.flush()
        parent = Page(title="父页面", slug="parent", body_markdown="", body_html="",
                      owner_id=article.owner_id)  # fmt: skip
        db.session.add(parent)
        db.session.flush()
        child.parent_id = parent.id
        db.session.flush()
        db.session.execute(
            update(Page).where(Page.id == child.id).values(updated_at=LATE)
        )
        fields = {"b": 1, "a": 2}
        db.session.add(
            Revision(target_type="article", target_id=article.id, number=99,
                     title="t", fields=fields)
        )  # fmt: skip


# The tables fill_site() puts rows in (every table when this was written; a
# table added later is still checked for being exported, with or without rows).
FILLED = {
    "users", "categories", "tags", "articles", "article_tags", "pages", "menu_items",
    "comments", "revisions", "audit_log", "settings", "comment_tallies", "daily_views",
    "mail_notices", "outbox", "job_runs", "used_tokens", "rate_limits",
    "category_redirects",
}  # fmt: skip


def export_text(tmp_path, name: str) -> str:
    path = tmp_path / name
    portable.export_site(str(path))
    return path.read_text(encoding="utf-8")


def test_every_table_of_the_models_is_exported(ctx, tmp_path):
    fill_site()
    document = json.loads(export_text(tmp_path, "site.json"))
    exported = {entry["name"]: entry for entry in document["tables"]}
    for table in db.metadata.sorted_tables:
        if table.info.get("derived"):
            continue  # a declared index, rebuilt on import
        assert table.name in exported, f"table {table.name} is not exported"
        count = db.session.scalar(select(func.count()).select_from(table))
        if table.name in FILLED:
            assert count > 0, f"fill_site() leaves {table.name} empty"
        assert len(exported[table.name]["rows"]) == count, table.name
        assert exported[table.name]["columns"] == [c.name for c in table.columns]


@pytest.fixture
def other_app(new_database):
    """A second app on a new, empty database with the schema."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_round_trip_is_byte_exact(app, other_app, tmp_path):
    with app.app_context():
        fill_site()
        first = export_text(tmp_path, "first.json")
        tallies = comment_tallies()
    result = other_app.test_cli_runner().invoke(
        args=["cms", "import", str(tmp_path / "first.json")]
    )
    assert result.exit_code == 0, result.output
    with other_app.app_context():
        second = export_text(tmp_path, "second.json")
        assert first.encode() == second.encode()
        # The imported site works: logins, ids after the imported ones, counts.
        assert comment_tallies() == tallies
        late = db.session.scalar(select(Comment).where(Comment.author_name == "后来者"))
        assert late.created_at == LATE
        assert (
            db.session.scalar(select(Comment).where(Comment.body == "第一条")).parent_id
            == late.id
        )
        with write_transaction():
            fresh = Comment(article_id=late.article_id, author_name="新", body="新评论")
            db.session.add(fresh)
        assert fresh.id > late.id
    user = next(iter(json.loads(first)["tables"]))
    assert user["name"]  # the document names its tables


def test_an_export_from_before_the_reading_columns_gets_them_on_import(
    app, other_app, tmp_path
):
    """A document an older release wrote has no reading time or table of
    contents for its articles: the import derives them from body_html."""
    from tests.factories import make_article

    derived = ("reading_words", "reading_minutes", "toc")
    with app.app_context():
        make_article(body="## 一\n\n正文。\n\n## 二\n\n### 三\n\nSome English words.")
        make_article(body="没有标题的短文。")
        expected = {
            a.id: (a.reading_words, a.reading_minutes, a.toc)
            for a in db.session.scalars(select(Article))
        }
        document = json.loads(export_text(tmp_path, "site.json"))
    (articles,) = [t for t in document["tables"] if t["name"] == "articles"]
    kept = [i for i, name in enumerate(articles["columns"]) if name not in derived]
    articles["columns"] = [articles["columns"][i] for i in kept]
    articles["rows"] = [[row[i] for i in kept] for row in articles["rows"]]
    (tmp_path / "old.json").write_text(json.dumps(document), encoding="utf-8")

    result = other_app.test_cli_runner().invoke(
        args=["cms", "import", str(tmp_path / "old.json")]
    )

    assert result.exit_code == 0, result.output
    with other_app.app_context():
        imported = {
            a.id: (a.reading_words, a.reading_minutes, a.toc)
            for a in db.session.scalars(select(Article))
        }
    assert imported == expected
    assert sorted(len(toc) for _, _, toc in imported.values()) == [0, 3]


def test_import_refuses_a_site_with_content_unless_merging(app, tmp_path):
    runner = app.test_cli_runner()
    with app.app_context():
        fill_site()
        export_text(tmp_path, "site.json")
        before = db.session.scalar(select(func.count(Comment.id)))
    result = runner.invoke(args=["cms", "import", str(tmp_path / "site.json")])
    assert result.exit_code == 2
    assert "不是空的" in result.output and "--merge" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == before
        # Merge: the file's rows replace those with the same key, others stay.
        with write_transaction():
            comment = db.session.scalar(select(Comment).where(Comment.body == "第一条"))
            comment.body = "改过了"
            db.session.add(Comment(article_id=comment.article_id, author_name="x",
                                   body="只在站里", status="approved"))  # fmt: skip
    result = runner.invoke(
        args=["cms", "import", "--merge", str(tmp_path / "site.json")]
    )
    assert result.exit_code == 0, result.output
    assert "merged" in result.output
    with app.app_context():
        db.session.rollback()
        bodies = set(db.session.scalars(select(Comment.body)))
        assert "第一条" in bodies and "改过了" not in bodies and "只在站里" in bodies
        assert db.session.scalar(select(func.count(Comment.id))) == before + 1
        kept = {t.status: t.count for t in db.session.scalars(select(CommentTally))}
        assert kept["approved"] == db.session.scalar(
            select(func.count(Comment.id)).where(Comment.status == "approved")
        )


def test_import_refuses_what_is_not_an_export(app, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "other"}', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["cms", "import", str(bad)])
    assert result.exit_code == 2
    assert "不是本站的导出文件" in result.output
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"format": portable.FORMAT, "version": 99}), "utf-8")
    result = app.test_cli_runner().invoke(args=["cms", "import", str(newer)])
    assert result.exit_code == 2 and "版本" in result.output


def test_password_hashes_travel_and_logins_work(app, other_app, tmp_path):
    with app.app_context():
        from tests.factories import make_user

        make_user(username="alice", password=PASSWORD)
        export_text(tmp_path, "site.json")
    other_app.test_cli_runner().invoke(
        args=["cms", "import", str(tmp_path / "site.json")]
    )
    with other_app.app_context():
        assert db.session.scalar(
            select(User).where(User.username == "alice")
        ).password_hash
    response = other_app.test_client().post(
        "/auth/login", data={"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 303
