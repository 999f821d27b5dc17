"""Screenshots of home and the reference article, phone and desktop, light and dark.

They land in the test's tmp_path; with CMS_E2E_SHOTS=/some/dir they are also
copied there for a person to look at."""

import shutil

import pytest

from tests.e2e.support import DESKTOP, PHONE, require_browser, shots_dir

require_browser()
pytestmark = pytest.mark.browser

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_screenshots(page, live_server, reference_path, tmp_path):
    pages = {"home": "/", "article": reference_path}
    sizes = {"phone": PHONE, "desktop": DESKTOP}
    saved = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for size_name, viewport in sizes.items():
            page.set_viewport_size(viewport)
            for name, path in pages.items():
                page.goto(live_server.url(path))
                target = tmp_path / f"{name}-{size_name}-{scheme}.png"
                page.screenshot(path=str(target), full_page=True)
                saved.append(target)

    assert len(saved) == 8
    for shot in saved:
        data = shot.read_bytes()
        assert data.startswith(PNG_MAGIC), shot
        assert len(data) > 10_000, f"{shot} looks blank"
    extra = shots_dir()
    if extra is not None:
        for shot in saved:
            shutil.copy(shot, extra / shot.name)
