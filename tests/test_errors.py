"""Error pages: styled, no traceback, and a 500 leaves the session rolled back."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, text

from cms.extensions import db
from cms.models import Article, Page, User
from cms.services.action_links import CommentGone
from cms.services.comments import CommentsClosed, Duplicate
from cms.services.errors import (
    Conflict,
    EditConflict,
    FieldError,
    InvalidInput,
    NotAllowed,
    NotFound,
    ServiceError,
)
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


def test_413_is_the_styled_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/auth/login", data={"username": "x" * 2000})
    assert_styled(response, 413, "内容太大")


def test_a_database_error_shows_no_values_of_its_statement(app, client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # PostgreSQL: a 500, not a raise

    @app.get("/_test/bad-sql")
    def bad_sql():
        db.session.execute(
            text("SELECT * FROM no_such_table WHERE x = :p"), {"p": SECRET}
        )

    response = client.get("/_test/bad-sql")

    assert response.status_code in (500, 503)
    assert SECRET not in response.get_data(as_text=True)
    assert SECRET not in caplog.text


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


# --- Service errors: one handler answers them (cms.errors) ------------------


def _raise(error: Exception):
    raise error


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (NotFound("评论 7 不存在"), 404, "页面不存在"),
        (CommentGone("评论已删除"), 404, "页面不存在"),
        (NotAllowed("投稿者不能发布文章"), 403, "没有权限"),
        (CommentsClosed("评论已关闭"), 403, "没有权限"),
        (Conflict("已经有人处理过了"), 409, "操作冲突"),
        (EditConflict(current=None, version=3), 409, "操作冲突"),
        (Duplicate("重复的评论"), 409, "操作冲突"),
        (InvalidInput("标题不能为空"), 400, "提交的内容无效"),
        (ServiceError("无法处理"), 400, "提交的内容无效"),
    ],
)
def test_a_view_raising_a_service_error_gets_its_status(
    app, client, error, status, title
):
    app.add_url_rule("/_test/raise", "raise", lambda: _raise(error))

    response = client.get("/_test/raise")

    soup = assert_styled(response, status, title)
    if status in (403, 409, 400):  # the message says what was refused
        assert soup.select_one(".error-page").get_text().count(str(error)) == 1


def test_a_field_error_answers_400_with_each_field(app, client):
    error = FieldError({"slug": "已被使用", "title": "不能为空"})
    app.add_url_rule("/_test/fields", "fields", lambda: _raise(error), methods=["POST"])

    response = client.post("/_test/fields")

    soup = assert_styled(response, 400, "提交的内容无效")
    fields = {li["data-field"]: li.get_text() for li in soup.select(".field-errors li")}
    assert fields == {"slug": "已被使用", "title": "不能为空"}


@pytest.fixture
def admin_client(client, login, admin):
    login(admin)
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/moderation/pages/999"),
        ("get", "/moderation/pages/999/revisions"),
        ("get", "/moderation/users/999"),
        ("get", "/moderation/posts/999/revisions"),
        ("get", "/moderation/posts/999/diff"),
        ("post", "/moderation/posts/999/trash"),
        ("post", "/moderation/mail/999/retry"),
        ("post", "/moderation/menus/999/delete"),
        ("post", "/moderation/comments/999/reply"),
        ("get", "/page/no-such-page/"),
        ("get", "/media/no-such-key.png"),
    ],
)
def test_views_that_caught_by_hand_still_answer_404(admin_client, method, path):
    data = {"body": "谢谢", "direction": "up"} if method == "post" else None
    response = getattr(admin_client, method)(path, data=data)

    assert_styled(response, 404, "页面不存在")


class TestRefusedModerationPost:
    """The one convention for the area's forms: a refusal is flashed and the
    answer goes back to the form's page, when that page is on this site."""

    @pytest.fixture
    def published_page(self, app, admin):
        from cms.services.page_edits import PageInput
        from cms.services.pages import create_page

        with app.app_context():
            actor = db.session.scalar(select(User).where(User.username == admin))
            return create_page(PageInput("关于我们"), actor, publish=True).id

    def _delete(self, client, page_id, referrer=None):
        headers = {"Referer": referrer} if referrer else {}
        return client.post(f"/moderation/pages/{page_id}/delete", headers=headers)

    def test_back_to_the_same_site_page_with_the_message(
        self, admin_client, published_page
    ):
        response = self._delete(
            admin_client, published_page, "http://localhost/moderation/pages?status=all"
        )

        assert response.status_code == 303
        assert response.headers["Location"] == "/moderation/pages?status=all"
        with admin_client.session_transaction() as session:
            assert [c for c, _ in session["_flashes"]] == ["error"]

    def test_the_public_origin_counts_as_this_site(
        self, app, admin_client, published_page
    ):
        app.config["SITE_URL"] = "https://cms.example.cn"
        response = self._delete(
            admin_client, published_page, "https://cms.example.cn/moderation/pages"
        )

        assert response.status_code == 303
        assert response.headers["Location"] == "/moderation/pages"

    @pytest.mark.parametrize(
        "referrer",
        [
            None,
            "http://localhost//evil.example/x",
            "http://localhost/\\evil.example",
        ],
    )
    def test_without_a_same_site_referrer_it_is_the_400_page(
        self, app, admin_client, published_page, referrer
    ):
        response = self._delete(admin_client, published_page, referrer)

        assert "Location" not in response.headers
        soup = assert_styled(response, 400, "提交的内容无效")
        assert "回收站" in soup.select_one(".error-page").get_text()
        with app.app_context():
            assert db.session.get(Page, published_page) is not None


def test_a_post_from_another_site_is_403_before_the_view(
    app, admin_client, published_page_id
):
    """The site-wide Origin/Referer check (cms.security): refused whatever
    the form, nothing done."""
    response = admin_client.post(
        f"/moderation/pages/{published_page_id}/delete",
        headers={"Referer": "https://evil.example/moderation/pages"},
    )
    assert "Location" not in response.headers
    assert_styled(response, 403, "没有权限")
    with app.app_context():
        assert db.session.get(Page, published_page_id) is not None


@pytest.fixture
def published_page_id(app, admin):
    from cms.services.page_edits import PageInput
    from cms.services.pages import create_page

    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == admin))
        return create_page(PageInput("关于我们"), actor, publish=True).id


def test_not_allowed_is_403_with_its_message(app, client, login, contributor):
    """A contributor may not trash their own published article: 403 (it was
    a flash in the comment queue's helper, a 403 in the posts area)."""
    with app.app_context():
        own = db.session.scalar(select(User).where(User.username == contributor))
        article_id = make_article(title="已发布的投稿", owner=own).id
    login(contributor)

    response = client.post(
        f"/moderation/posts/{article_id}/trash",
        headers={"Referer": "http://localhost/moderation/posts"},
    )

    soup = assert_styled(response, 403, "没有权限")
    assert "你不能把这篇文章移到回收站" in soup.select_one(".error-page").get_text()
    with app.app_context():
        assert db.session.get(Article, article_id).status.value == "published"
