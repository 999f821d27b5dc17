"""Fixtures of the tipping tests: an author, articles of theirs, site links."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from cms.services.settings import set_settings
from cms.services.tipping import clear_qr_cache
from tests.factories import make_article, make_user

SITE_WECHAT = "wxp://f2f0SiteDefaultWechatCode"
SITE_ALIPAY = "https://qr.alipay.com/fkxSiteDefaultAlipay"
OWN_WECHAT = "wxp://f2f1AuthorOwnWechatCode"
OWN_ALIPAY = "alipays://platformapi/startapp?appId=20000123&userId=2088"


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def tip_images(response) -> dict[str, str]:
    """kind -> src of the tip box's images (empty without a tip box)."""
    return {img["data-pay"]: img["src"] for img in parse(response).select("#tip img")}


@pytest.fixture(autouse=True)
def _fresh_qr_cache():
    """The key cache is per process: start every test without one."""
    clear_qr_cache()
    yield
    clear_qr_cache()


@pytest.fixture
def writer(app):
    """An author (no password: fast), detached with its columns loaded."""
    with app.app_context():
        return make_user(username="writer", display_name="王小明", password=None)


@pytest.fixture
def publish(app, writer):
    """publish(**overrides): an article by `writer`, published an hour ago."""

    def do(**overrides):
        overrides.setdefault("owner", writer)
        with app.app_context():
            return make_article(**overrides)

    return do


@pytest.fixture
def site_links(app):
    """The site's default links, both kinds."""
    with app.app_context():
        set_settings({"tipping.wechat": SITE_WECHAT, "tipping.alipay": SITE_ALIPAY})
    return {"wechat": SITE_WECHAT, "alipay": SITE_ALIPAY}
