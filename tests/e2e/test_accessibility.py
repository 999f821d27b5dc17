"""axe-core finds nothing serious or critical, in either colour scheme."""

import pytest

from tests.e2e.support import AXE_JS, PHONE, require_browser, serious_axe_violations

require_browser()
pytestmark = pytest.mark.browser


@pytest.fixture
def axe_path():
    if not AXE_JS.exists():
        pytest.skip(
            f"{AXE_JS.relative_to(AXE_JS.parents[2])} is missing: run `npm ci` "
            "(`make test` does when npm is installed) to fetch axe-core"
        )
    return str(AXE_JS)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "which", ["home", "reference article", "category list", "login", "404 page"]
)
def test_no_serious_accessibility_violations(
    axe_path, page, live_server, reference_path, which, scheme
):
    path = {
        "home": "/",
        "reference article": reference_path,
        "category list": live_server.category_path,
        "login": "/auth/login",
        "404 page": "/no-such-page/",
    }[which]
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url(path))
    bad = serious_axe_violations(page)

    assert not bad, "\n".join(bad)


def test_phone_width_has_no_serious_violations_either(
    axe_path, page, live_server, reference_path
):
    page.set_viewport_size(PHONE)
    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url(reference_path))
    bad = serious_axe_violations(page)

    assert not bad, "\n".join(bad)
