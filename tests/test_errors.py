"""Error pages: styled, no traceback, and a 500 leaves the session rolled back."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, User
from cms.services.settings import set_setting
from tests.factories import make_article, make_user

SITE_NAME = "资源分享网"
SECRET = "secret-detail-7f3a"  # what the failing route's exception says


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def assert_styled(response, code: int, title: str) -> BeautifulSoup:
    assert response.status_code == code
    assert response.mimetype == "text/html"
    soup = parse(response)
    assert soup.select_one("header.site-header .site-name").get_text(strip=True) == (
        SITE_NAME
    )
    assert soup.select_one("h1").get_text(strip=True) == title
    assert soup.find("link", rel="stylesheet") is not None
    assert soup.select_one("footer.site-footer") is not None
    return soup


@pytest.fixture(autouse=True)
def site(app):
    with app.app_context():
        set_setting("site.name", SITE_NAME)


@pytest.mark.parametrize(
    "path", ["/no-such-page", "/category/none/", "/0123456789abcdef.html", "/a/b/c"]
)
def test_404_is_the_styled_page(client, path):
    response = client.get(path)

    soup = assert_styled(response, 404, "页面不存在")
    assert soup.title.get_text().startswith("页面不存在")
    assert soup.find("a", href="/") is not None


def test_405_is_the_styled_page(client):
    assert_styled(client.get("/auth/logout"), 405, "方法不允许")


class TestServerError:
    @pytest.fixture
    def app_config(self, app_config):
        # Outside tests Flask hands unhandled exceptions to the 500 handler;
        # TESTING alone would re-raise them into the test instead.
        return app_config | {"PROPAGATE_EXCEPTIONS": False}

    @pytest.fixture
    def article_id(self, app):
        with app.app_context():
            return make_article(title="原来的标题").id

    def test_500_is_styled_without_traceback_and_rolled_back(
        self, app, client, article_id
    ):
        @app.get("/_test/boom")
        def boom():
            item = db.session.get(Article, article_id)
            item.title = "改了一半"  # pending, never committed
            raise RuntimeError(SECRET)

        # Anything that commits later in the request would store the half-done
        # change unless the 500 handler rolled the session back.
        @app.teardown_request
        def commit_whatever_is_pending(_exc):
            db.session.commit()

        response = client.get("/_test/boom")

        soup = assert_styled(response, 500, "服务器出错了")
        text = response.get_data(as_text=True)
        assert SECRET not in text
        assert "Traceback" not in text
        assert "RuntimeError" not in text
        assert soup.find("a", href="/") is not None
        with app.app_context():
            title = db.session.scalar(
                select(Article.title).where(Article.id == article_id)
            )
        assert title == "原来的标题"

    def test_500_after_a_failed_flush_still_renders(self, app, client):
        """A database error leaves the session unusable until rolled back; the
        error page itself queries (the settings), so it needs the rollback."""
        with app.app_context():
            make_user(username="taken", password=None)

        @app.get("/_test/duplicate")
        def duplicate():
            db.session.add(User(username="taken", display_name="重复"))
            db.session.flush()
            return "unreachable"

        response = client.get("/_test/duplicate")

        assert_styled(response, 500, "服务器出错了")
        assert "IntegrityError" not in response.get_data(as_text=True)
        with app.app_context():
            names = db.session.scalars(select(User.display_name)).all()
        assert names == ["taken"]
        # the app goes on serving
        assert client.get("/").status_code == 200
