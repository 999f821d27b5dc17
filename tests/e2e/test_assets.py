"""Every request a page makes stays on the site's own origin, and succeeds."""

import pytest

from tests.e2e.support import require_browser

require_browser()
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_load_nothing_from_another_host(
    page, live_server, reference_path, scheme
):
    requested: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    # ERR_ABORTED: cancelled by the next navigation (the favicon, typically);
    # a missing file shows up above as a 404 instead.
    page.on(
        "requestfailed",
        lambda request: (
            None
            if request.failure == "net::ERR_ABORTED"
            else failed.append(f"{request.failure} {request.url}")
        ),
    )
    page.emulate_media(color_scheme=scheme)

    for path in ["/", reference_path, live_server.category_path, "/auth/login"]:
        # "load" waits for the stylesheet, scripts and images of the page.
        page.goto(live_server.url(path), wait_until="load")

    assert any(url.endswith(".css") for url in requested), requested
    foreign = [url for url in requested if not url.startswith(live_server.origin + "/")]
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not failed, f"requests that failed: {failed}"
