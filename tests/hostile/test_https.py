"""A site whose SITE_URL is https (production behind a TLS proxy): the
readers' cookies are always Secure, and every answer sends HSTS, even when
the request reached the app as plain HTTP."""

from __future__ import annotations

import pytest

from cms.services.settings import set_setting
from tests.comments.support import post_comment, reader
from tests.factories import make_article, make_user

HTTPS_SITE = "https://www.example.cn"


@pytest.fixture
def app_config(app_config):
    return app_config | {"SITE_URL": HTTPS_SITE}


@pytest.fixture
def held_article(app):
    """A published article whose comments are all held (so cms_held is set)."""
    with app.app_context():
        for key, value in [("comments.min_submit_seconds", "0"),
                           ("comments.flood_seconds", "0"),
                           ("comments.require_approval", "true")]:  # fmt: skip
            set_setting(key, value)
        writer = make_user(username="writer", password=None)
        return make_article(title="HTTPS 文章", owner=writer)


def _set_cookie(response, name: str) -> str:
    (header,) = [
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")
    ]
    return header


def test_reader_cookies_are_secure_when_the_site_is_https(app, client, held_article):
    response = post_comment(
        client, held_article.public_id, origin=HTTPS_SITE, remember="y", **reader()
    )

    assert response.status_code == 303
    for name in ("cms_held", "cms_commenter"):
        attributes = [a.strip().lower() for a in _set_cookie(response, name).split(";")]
        assert "secure" in attributes, name


def test_every_answer_sends_hsts_for_at_least_a_year(app, client):
    for path in ("/", "/auth/login", "/no-such-page"):
        header = client.get(path).headers["Strict-Transport-Security"]
        max_age = int(header.split("max-age=")[1].split(";")[0])
        assert max_age >= 365 * 24 * 3600, path


def test_no_hsts_for_a_site_served_over_http(app):
    plain = app.test_client()
    app.config["SITE_URL"] = "http://cms.test"

    assert "Strict-Transport-Security" not in plain.get("/").headers
