"""The footer text from the site.footer setting, on every HTML page."""

from __future__ import annotations

import pytest

from cms.services.settings import set_setting
from tests.factories import make_user
from tests.public.conftest import parse

ICP = "京ICP备12345678号"


@pytest.fixture
def pages(app, publish):
    """One path of every kind of HTML page, readers' and staff's."""
    item = publish(category="技术", tags=("Python",))
    with app.app_context():
        make_user(username="boss", password="correct horse battery staple")
    return {
        "home": "/",
        "article": f"/{item.public_id}.html",
        "category": "/category/ji-shu/",
        "tag": "/tag/python/",
        "author": "/author/writer/",
        "login": "/auth/login",
        "not found": "/no-such-page",
    }


def footer_text(response) -> str:
    footer = parse(response).select("footer.site-footer")
    assert len(footer) == 1
    return footer[0].get_text()


@pytest.mark.parametrize(
    "kind", ["home", "article", "category", "tag", "author", "login", "not found"]
)
def test_footer_text_on_every_page(app, client, pages, kind):
    with app.app_context():
        set_setting("site.footer", ICP)

    response = client.get(pages[kind])

    assert response.mimetype == "text/html"
    assert ICP in footer_text(response)


def test_footer_text_in_the_moderation_area(app, client, pages):
    with app.app_context():
        set_setting("site.footer", ICP)
    client.post(
        "/auth/login",
        data={"username": "boss", "password": "correct horse battery staple"},
    )

    response = client.get("/moderation/")

    assert response.status_code == 200
    assert ICP in footer_text(response)


def test_no_footer_text_by_default(client, pages):
    soup = parse(client.get("/"))

    assert ICP not in soup.get_text()
    assert soup.select_one("footer.site-footer .footer-text") is None


def test_footer_text_is_escaped(app, client):
    with app.app_context():
        set_setting("site.footer", '<script>alert("footer")</script>京ICP备1号')

    response = client.get("/")

    footer = parse(response).select_one("footer.site-footer")
    assert footer.find("script") is None
    assert '<script>alert("footer")</script>京ICP备1号' in footer.get_text()
    assert "<script>alert" not in response.get_data(as_text=True)
