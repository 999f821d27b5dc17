"""Issue 10, item 1 (d): the reader's remembered name and e-mail are out of
reach of page scripts: the cookie is HttpOnly and the server fills the form."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms.services.settings import set_setting
from tests.comments.support import article_path, parse, post_comment, reader
from tests.factories import make_article

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def article(app):
    with app.app_context():
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.flood_seconds", "0")
        return make_article(title="记住我")


def _commenter_cookie(response) -> str:
    (header,) = [
        h for h in response.headers.getlist("Set-Cookie")
        if h.startswith("cms_commenter=")
    ]  # fmt: skip
    return header


def test_the_remembered_fields_cookie_is_httponly(client, article):
    response = post_comment(client, article.public_id, remember="y", **reader(1))

    assert response.status_code == 303
    assert "HttpOnly" in _commenter_cookie(response)


def test_the_server_fills_the_form_from_it_and_keeps_the_page_private(client, article):
    post_comment(client, article.public_id, remember="y",
                 **reader(1, url="https://blog.example.cn"))  # fmt: skip

    response = client.get(article_path(article.public_id))

    form = parse(response).select_one("form#comment-form")
    assert form.select_one("input[name=author]")["value"] == "读者1"
    assert form.select_one("input[name=email]")["value"] == "reader1@example.cn"
    assert form.select_one("input[name=url]")["value"] == "https://blog.example.cn"
    assert form.select_one("input[name=remember]").has_attr("checked")
    assert "private" in response.headers["Cache-Control"]


def test_a_reader_without_the_cookie_gets_an_empty_cacheable_form(client, article):
    response = client.get(article_path(article.public_id))

    form = parse(response).select_one("form#comment-form")
    assert form.select_one("input[name=author]")["value"] == ""
    assert not form.select_one("input[name=remember]").has_attr("checked")
    assert "private" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    "value", ["%7Bbroken", "%5B1%2C2%5D", "%7B%22author%22%3A%201%7D", "x" * 3000]
)
def test_a_damaged_cookie_only_means_an_empty_form(client, article, value):
    client.set_cookie("cms_commenter", value)

    response = client.get(article_path(article.public_id))

    assert response.status_code == 200
    form = parse(response).select_one("form#comment-form")
    assert form.select_one("input[name=author]")["value"] == ""


def test_no_page_script_reads_cookies():
    for script in (ROOT / "static" / "js").glob("*.js"):
        assert "document.cookie" not in script.read_text(), script.name
