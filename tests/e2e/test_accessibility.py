"""axe-core finds nothing serious or critical, in either colour scheme."""

import pytest

from tests.e2e.support import AXE_JS, PHONE, require_browser

require_browser()
pytestmark = pytest.mark.browser

RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5)
            .map(n => n.target.join(' ') + ': ' + n.failureSummary),
    }));
}"""


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
    page.add_script_tag(path=axe_path)

    violations = page.evaluate(RUN_AXE)

    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in bad
    )


def test_phone_width_has_no_serious_violations_either(
    axe_path, page, live_server, reference_path
):
    page.set_viewport_size(PHONE)
    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url(reference_path))
    page.add_script_tag(path=axe_path)

    violations = page.evaluate(RUN_AXE)

    assert not [v for v in violations if v["impact"] in ("serious", "critical")], (
        violations
    )
