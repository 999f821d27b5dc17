"""The tip box in a real browser, on the demo's reference article: 打赏 opens
a panel with both codes (mouse and keyboard), side by side on a desktop and
stacked on a phone; each code, as the browser draws it, decodes to the
configured link; opening the box counts one open (once per page view)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.support import (
    AXE_JS,
    DESKTOP,
    PHONE,
    REFERENCE_PATH,
    own_site,
    require_browser,
    serious_axe_violations,
)

require_browser()
pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
OWN_ALIPAY = "https://qr.alipay.com/fkxAuthorOwnAlipayCode"


@dataclass(frozen=True)
class TipSite:
    origin: str
    app: object
    links: dict[str, str]


@pytest.fixture(scope="module")
def tip_site(tmp_path_factory) -> Iterator[TipSite]:
    """The demo site on a server of its own (the test reads tip_opens from its
    database); the reference article's author has an Alipay link of their own,
    so one code comes from the author and one from the site's default."""

    def seed():
        from sqlalchemy import select

        from cms.database import write_transaction
        from cms.extensions import db
        from cms.models import User
        from cms.services.demo import seed_demo
        from cms.services.settings import get_setting

        seed_demo()
        with write_transaction():
            author = db.session.scalar(
                select(User).where(User.username == "guanliyuan")
            )
            author.tip_alipay = OWN_ALIPAY
        return {"wechat": get_setting("tipping.wechat"), "alipay": OWN_ALIPAY}

    database = tmp_path_factory.mktemp("tip-db") / "tip.sqlite"
    with own_site(database, seed) as (origin, app, links):
        yield TipSite(origin, app, links)


@pytest.fixture
def context(browser):
    made = []

    def make(viewport=DESKTOP, scheme="light"):
        context = browser.new_context(
            viewport=viewport, color_scheme=scheme, locale="zh-CN"
        )
        context.set_default_timeout(10_000)
        made.append(context)
        return context.new_page()

    yield make
    for context in made:
        context.close()


def tip_opens(site: TipSite) -> int:
    from sqlalchemy import select

    from cms.extensions import db
    from cms.models import Article
    from cms.services.demo import REFERENCE_PUBLIC_ID

    with site.app.app_context():
        return db.session.scalar(
            select(Article.tip_opens).where(Article.public_id == REFERENCE_PUBLIC_ID)
        )


def decode_element(locator) -> list[str]:
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(locator.screenshot()))
    return [c.text for c in zxingcpp.read_barcodes(image)]


def wait_loaded(page) -> None:
    page.wait_for_function(
        """() => [...document.querySelectorAll('#tip img[data-pay]')]
                 .every(img => img.complete && img.naturalWidth > 0)"""
    )


def shot(locator, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    locator.screenshot(path=str(path))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / name)


def test_click_opens_both_codes_which_decode_to_the_links(tip_site, context, tmp_path):
    page = context()
    page.goto(tip_site.origin + REFERENCE_PATH)
    tip = page.locator("#tip")
    wechat, alipay = (
        tip.locator("img[data-pay=wechat]"),
        tip.locator("img[data-pay=alipay]"),
    )
    assert not wechat.is_visible() and not alipay.is_visible()
    before = tip_opens(tip_site)

    with page.expect_request(lambda r: r.url.endswith("/open") and r.method == "POST"):
        tip.locator("summary", has_text="打赏").click()
    wait_loaded(page)

    assert wechat.is_visible() and alipay.is_visible()
    assert tip.get_by_text("微信扫一扫").is_visible()
    assert tip.get_by_text("支付宝扫一扫").is_visible()
    assert "打赏作者：管理员" in tip.locator(".tip-author").inner_text()
    left, right = wechat.bounding_box(), alipay.bounding_box()
    assert abs(left["y"] - right["y"]) < 1 and right["x"] >= left["x"] + left["width"]
    assert decode_element(wechat) == [tip_site.links["wechat"]]
    assert decode_element(alipay) == [tip_site.links["alipay"]]
    assert not tip.locator("a.tip-open-app").is_visible()  # desktops scan
    shot(tip, tmp_path, "tip-desktop.png")

    assert_eventually(lambda: tip_opens(tip_site) == before + 1)
    # Closing and opening again in the same page view counts nothing more.
    tip.locator("summary").click()
    tip.locator("summary").click()
    page.wait_for_timeout(300)
    assert tip_opens(tip_site) == before + 1


def assert_eventually(check, seconds: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_keyboard_tab_then_enter_opens_it(tip_site, context):
    page = context()
    page.goto(tip_site.origin + REFERENCE_PATH)
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#tip summary')"):
            break
    else:
        pytest.fail("Tab never reached the 打赏 summary")
    page.keyboard.press("Enter")
    wait_loaded(page)
    assert page.locator("#tip details").get_attribute("open") is not None
    assert page.locator("#tip img[data-pay=wechat]").is_visible()
    assert page.locator("#tip img[data-pay=alipay]").is_visible()


def test_phone_stacks_the_codes_and_offers_the_alipay_link(tip_site, context, tmp_path):
    page = context(viewport=PHONE, scheme="dark")
    page.goto(tip_site.origin + REFERENCE_PATH)
    tip = page.locator("#tip")
    tip.locator("summary").click()
    wait_loaded(page)

    wechat, alipay = (
        tip.locator("img[data-pay=wechat]"),
        tip.locator("img[data-pay=alipay]"),
    )
    top, bottom = wechat.bounding_box(), alipay.bounding_box()
    assert bottom["y"] >= top["y"] + top["height"]
    assert tip.bounding_box()["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    link = tip.locator("a.tip-open-app")
    assert link.is_visible() and link.get_attribute("href") == tip_site.links["alipay"]
    # Dark scheme: the codes stay black on white and still decode.
    assert decode_element(wechat) == [tip_site.links["wechat"]]
    assert decode_element(alipay) == [tip_site.links["alipay"]]
    shot(tip, tmp_path, "tip-phone-dark.png")


def test_without_javascript_it_opens_and_counts_nothing(tip_site, browser):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(tip_site.origin + REFERENCE_PATH)
        before = tip_opens(tip_site)
        page.locator("#tip summary").click()
        wait_for_images_without_js(page)
        assert decode_element(page.locator("#tip img[data-pay=wechat]")) == [
            tip_site.links["wechat"]
        ]
        page.wait_for_timeout(300)
        assert tip_opens(tip_site) == before
    finally:
        context.close()


def wait_for_images_without_js(page) -> None:
    # wait_for_function needs scripts; poll the image boxes from outside.
    image = page.locator("#tip img[data-pay=wechat]")
    image.wait_for(state="visible")
    assert_eventually(lambda: (image.bounding_box() or {}).get("width", 0) > 100)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_panel_has_no_serious_accessibility_violations(
    tip_site, browser, scheme
):
    if not AXE_JS.exists():
        pytest.skip("axe-core is missing: run `npm ci`")
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(tip_site.origin + REFERENCE_PATH)
        page.locator("#tip summary").click()
        wait_loaded(page)
        bad = serious_axe_violations(page, "#tip")
    finally:
        context.close()
    assert not bad, "\n".join(bad)
