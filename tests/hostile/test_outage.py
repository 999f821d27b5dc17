"""The database taken away: pages answer 503 with Retry-After and the styled
page, never 500. A database that refuses writes (a read-only SQLite file, a
read-only PostgreSQL transaction): reading goes on (the view count is
written after the page, and a failed count is dropped), a write answers 503,
/healthz says ok, /healthz?write=1 says 503."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from cms import create_app
from cms.extensions import db
from cms.models import Article, Comment
from cms.services.views import flush_views
from tests.comments.support import post_comment, reader
from tests.conftest import TEST_DATABASE_URL, create_database, drop_database
from tests.factories import make_article
from tests.hostile.proxy import TCPProxy

PAGES = ["/", "/category/none/", "/page/about/", "/auth/login", "/feed.xml"]


def _quiet(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is an answer here
    return app


@pytest.fixture(params=[
    "sqlite-file",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set")),
])  # fmt: skip
def outage(request, tmp_path):
    """(app, public_id, take_away): an app on a real database with one
    article; take_away() makes the database unreachable."""
    if request.param == "sqlite-file":
        path = tmp_path / "site.sqlite"
        url = f"sqlite:///{path}"

        def take_away():
            with app.app_context():
                db.engine.dispose()
            path.unlink()
            path.mkdir()  # the file is gone; a directory cannot be opened

        cleanup = lambda: None  # noqa: E731
    else:
        real = create_database(TEST_DATABASE_URL, "cms_outage")
        target = make_url(real)
        proxy = TCPProxy(target.host or "127.0.0.1", target.port or 5432).start()
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
        take_away = proxy.kill

        def cleanup():
            drop_database(TEST_DATABASE_URL, real)

    app = _quiet(create_app({"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        db.create_all()
        public_id = make_article(title="停机测试").public_id
        db.session.remove()
    yield app, public_id, take_away
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    cleanup()


def test_pages_answer_503_with_retry_after_when_the_database_is_gone(outage):
    app, public_id, take_away = outage
    client = app.test_client()
    pages = [*PAGES, f"/{public_id}.html"]
    assert client.get(f"/{public_id}.html").status_code == 200

    take_away()

    for path in pages:
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "30", path
        body = response.get_data(as_text=True)
        assert "暂时无法访问" in body and "css/site.css" in body, path
        assert "Traceback" not in body
    comment = client.post(f"/comments/{public_id}", data={"body": "评论"})
    assert comment.status_code == 503
    assert client.get("/healthz").status_code == 503


@pytest.fixture(params=[
    "sqlite-file",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set")),
])  # fmt: skip
def read_only(request, tmp_path):
    """(app, public_id): a site whose database refuses every write: a SQLite
    file opened read-only (as on a read-only or full disk), or a PostgreSQL
    database with default_transaction_read_only (as a hot standby)."""
    if request.param == "sqlite-file":
        path = tmp_path / "site.sqlite"
        url = f"sqlite:///{path}"
    else:
        url = create_database(TEST_DATABASE_URL, "cms_read_only")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        article = make_article(title="只读测试", view_count=5)
        public_id = article.public_id
        db.session.remove()
        db.engine.dispose()
    if request.param == "sqlite-file":
        readonly = tmp_path / "readonly.sqlite"
        shutil.copy(path, readonly)
        readonly.chmod(0o444)
        url = f"sqlite:///file:{readonly}?mode=ro&uri=true"
    else:
        name = make_url(url).database
        engine = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(
                text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            )
        engine.dispose()
    app = _quiet(create_app({"SQLALCHEMY_DATABASE_URI": url}))
    yield app, public_id
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        drop_database(TEST_DATABASE_URL, url)


def test_article_pages_are_read_when_writes_fail(read_only):
    app, public_id = read_only
    client = app.test_client()

    for _ in range(2):
        response = client.get(f"/{public_id}.html")
        assert response.status_code == 200
        assert "只读测试" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    with app.app_context():
        assert flush_views() == 0  # refused: the views stay buffered
        stored = db.session.scalar(
            select(Article.view_count).where(Article.public_id == public_id)
        )
    assert stored == 5  # not counted, and not failed either


def test_a_write_the_database_refuses_answers_503(read_only):
    app, public_id = read_only
    client = app.test_client()

    response = post_comment(client, public_id, **reader(1))

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "暂时无法访问" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_healthz_reports_a_database_that_cannot_write(read_only):
    app, _ = read_only
    client = app.test_client()

    assert client.get("/healthz").status_code == 200
    refused = client.get("/healthz?write=1")
    assert refused.status_code == 503
    assert refused.get_data(as_text=True) == "database refuses writes"


def test_healthz_write_check_passes_and_leaves_nothing(app, client):
    from cms.models import JobRun

    assert client.get("/healthz?write=1").status_code == 200
    assert client.get("/healthz?write=1").get_data(as_text=True) == "ok"
    with app.app_context():
        assert db.session.scalars(select(JobRun)).all() == []


def test_a_view_is_counted_after_the_page(app, client):
    with app.app_context():
        public_id = make_article(title="计数", view_count=7).public_id

    response = client.get(f"/{public_id}.html")

    assert 'data-views="8"' in response.get_data(as_text=True)
    with app.app_context():
        assert flush_views() == 1
        assert (
            db.session.scalar(
                select(Article.view_count).where(Article.public_id == public_id)
            )
            == 8
        )
