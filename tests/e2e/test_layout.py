"""Phone layout: no page scrolls sideways at 360 px."""

import pytest

from tests.e2e.support import PHONE, require_browser

require_browser()
pytestmark = pytest.mark.browser

# scrollWidth catches the page scrolling sideways; the element scan also catches
# content cut off by `overflow-x: hidden` on html or body (which hides the
# scroll bar but not the problem). Elements inside their own scrolling box
# (a wide table or code block) are allowed to be wider.
SCROLL_WIDTHS = """() => {
    const root = document.documentElement;
    const limit = root.clientWidth + 0.5;
    const clipped = el => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') return true;
        }
        return false;
    };
    return {
        scroll: root.scrollWidth,
        client: root.clientWidth,
        wide: [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > limit && !clipped(el))
            .slice(0, 5)
            .map(el => el.tagName.toLowerCase()
                + (el.className ? '.' + el.className : '')),
    };
}"""


@pytest.mark.parametrize(
    "which", ["home", "reference article", "category list", "login", "404 page"]
)
def test_no_horizontal_scroll_on_a_phone(page, live_server, reference_path, which):
    path = {
        "home": "/",
        "reference article": reference_path,
        "category list": live_server.category_path,
        "login": "/auth/login",
        "404 page": "/no-such-page/",
    }[which]
    page.set_viewport_size(PHONE)
    response = page.goto(live_server.url(path))
    assert response.status == (404 if which == "404 page" else 200)

    widths = page.evaluate(SCROLL_WIDTHS)

    assert widths["client"] == PHONE["width"]
    assert widths["scroll"] <= widths["client"], (
        f"{path} scrolls sideways at {PHONE['width']} px: "
        f"scrollWidth {widths['scroll']} > {widths['client']}; "
        f"too wide: {widths['wide']}"
    )
    assert not widths["wide"], f"{path}: elements wider than the screen: {widths}"
