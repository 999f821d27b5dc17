"""Malformed input answers 400 or 404 with the site's pages, never 500:
the cases of issue 10 one by one (the fuzz test walks them all)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.models import Article, Setting
from tests.factories import make_article


@pytest.fixture
def public_id(app):
    with app.app_context():
        return make_article(title="输入测试").public_id


@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999",
        "page=1_000",
        "page=１",
        "page=-1",
        "page=abc",
    ],
)
@pytest.mark.parametrize("path", ["/", "/author/nobody/", "/tag/none/"])
def test_a_page_number_that_is_no_page_is_404(client, public_id, path, query):
    assert client.get(f"{path}?{query}").status_code == 404


@pytest.mark.parametrize("value", ["9223372036854775808", "1_000", "-1", "x"])
def test_a_malformed_replytocom_is_400(client, public_id, value):
    response = client.get(f"/{public_id}.html?replytocom={value}")

    assert response.status_code == 400
    assert "请求无效" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/?page=1%00", "/?q=%00", "/auth/login?next=/%00"])
def test_nul_in_a_query_string_is_400(client, path):
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/moderation/posts/99999999999999999999",
        "/moderation/posts/2147483648/revisions",
        "/moderation/comments/9223372036854775808/edit",
    ],
)
def test_an_int_path_segment_too_large_for_an_id_is_404(client, login, admin, path):
    login(admin)
    assert client.get(path).status_code == 404


def test_a_nul_in_a_form_field_is_a_field_error(app, client, login, admin):
    login(admin)

    response = client.post(
        "/moderation/posts/new",
        data={"title": "标题\x00", "body": "正文", "do": "save"},
    )

    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "不能包含控制字符" in soup.get_text()
    with app.app_context():
        assert app.extensions["sqlalchemy"].session.scalars(select(Article)).all() == []


def test_an_over_long_time_zone_is_refused(app, client, login, admin):
    login(admin)

    response = client.post("/moderation/settings", data={"site.timezone": "A" * 5000})

    assert response.status_code == 400
    with app.app_context():
        stored = (
            app.extensions["sqlalchemy"]
            .session.scalars(select(Setting).where(Setting.key == "site.timezone"))
            .all()
        )
    assert stored == []


@pytest.mark.parametrize(
    "query",
    [
        "until=9999-12-31",
        "since=0001-01-01",
        "after=99999999999999999999_1",
        "after=1_99999999999999999999",
    ],
)
def test_audit_dates_and_cursors_out_of_range_are_ignored(client, login, admin, query):
    login(admin)
    response = client.get(f"/moderation/audit?{query}")

    assert response.status_code == 200
    assert "无效" in response.get_data(as_text=True)


@pytest.mark.parametrize("after", ["99999999999999999999_1", "1_9223372036854775808"])
def test_a_huge_queue_cursor_is_refused(client, login, admin, after):
    login(admin)
    response = client.get(f"/moderation/comments?status=pending&after={after}")

    assert response.status_code < 500


@pytest.mark.parametrize(
    "path", ["/category/a%00b/", "/author/a%00/", "/a%00aaaaaaaaaaaaaa.html"]
)
def test_nul_in_a_path_is_404(client, path):
    assert client.get(path).status_code == 404


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_the_site_extends_the_base_form(app):
    import pkgutil
    from importlib import import_module

    from flask_wtf import FlaskForm

    import cms
    from cms.forms import BaseForm

    for module in pkgutil.walk_packages(cms.__path__, "cms."):
        import_module(module.name)
    forms = [f for f in _subclasses(FlaskForm) if f.__module__.startswith("cms.")]

    assert len(forms) > 20
    assert [f.__qualname__ for f in forms if not issubclass(f, BaseForm)] == []
