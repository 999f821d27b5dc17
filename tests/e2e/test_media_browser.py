"""Images in a real browser: an editor uploads a photo in the post editor
(the file field, with JavaScript: uploaded at once, Markdown inserted at the
cursor), pastes a screenshot from the clipboard, publishes; a reader on a
360 px wide phone sees the photo load in its 480 px size. Screenshots in
/tmp/shots for a person to look at."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import PASSWORD
from tests.e2e.support import (
    DESKTOP,
    PHONE,
    log_in,
    own_site,
    require_browser,
    serious_axe_violations,
)

require_browser()
pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
TITLE = "带图片的文章"


def _photo() -> bytes:
    """A 2000 x 1200 JPEG: sky over a field."""
    image = Image.new("RGB", (2000, 1200), (120, 170, 230))
    image.paste((70, 150, 60), (0, 700, 2000, 1200))
    image.paste((250, 220, 90), (1500, 150, 1700, 350))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _screenshot_png() -> bytes:
    image = Image.new("RGB", (800, 500), (245, 245, 245))
    image.paste((40, 90, 200), (40, 40, 760, 120))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _seed():
    from cms.models import Role
    from tests.factories import make_user

    make_user(username="editor", role=Role.EDITOR, display_name="李编辑",
              password=PASSWORD)  # fmt: skip


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[str, object]]:
    with own_site(
        tmp_path / "media.sqlite",
        _seed,
        WTF_CSRF_ENABLED=True,
        MEDIA_URL=f"file://{tmp_path / 'media'}",
    ) as (origin, app, _):
        yield origin, app


def _context(browser, origin: str, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(15_000)
    own = origin + "/"
    context.route(
        lambda url: not url.startswith(own),
        lambda route: route.abort("blockedbyclient"),
    )
    return context


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


PASTE = """([b64, name]) => {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const file = new File([bytes], name, {type: 'image/png'});
    const data = new DataTransfer();
    data.items.add(file);
    const text = document.querySelector('#body');
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
    text.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data,
                                                    bubbles: true, cancelable: true}));
}"""


def test_upload_in_the_editor_publish_and_see_the_small_size_on_a_phone(browser, site):
    origin, app = site
    context = _context(browser, origin, DESKTOP)
    page = context.new_page()
    log_in(page, origin, "editor", "/moderation/posts/new")

    page.fill("#title", TITLE)
    page.fill("#body", "第一段文字。\n\n")
    page.fill("#image_alt", "田野上的蓝天")
    page.set_input_files("#images", files=[
        {"name": "field.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    ])  # fmt: skip
    page.wait_for_selector(".upload-progress li.upload-done")
    body = page.input_value("#body")
    assert "![田野上的蓝天](/media/" in body
    # A screenshot pasted from the clipboard goes in at the cursor too.
    shot = base64.b64encode(_screenshot_png()).decode()
    page.evaluate(PASTE, [shot, "image.png"])
    page.locator(".upload-progress li.upload-done").nth(1).wait_for()
    assert page.input_value("#body").count("](/media/") == 2
    # The live preview shows the images too.
    page.wait_for_selector(".post-preview img, [data-preview-target] img")
    _shot(page, "media-editor-desktop.png")

    with page.expect_navigation():
        page.click("button[name=do][value=publish]")
    link = page.locator("a", has_text="查看文章").first.get_attribute("href")
    # The library lists both uploads, the article using them, no serious
    # accessibility problem.
    page.goto(origin + "/moderation/media")
    rows = page.locator("tr[id^=media-]")
    assert rows.count() == 2
    assert TITLE in rows.first.locator(".media-used").inner_text()
    assert serious_axe_violations(page) == []
    _shot(page, "media-library-desktop.png")
    context.close()

    phone = _context(browser, origin, PHONE)
    reader = phone.new_page()
    loaded: list[str] = []
    reader.on(
        "response",
        lambda r: loaded.append(r.url) if "/media/" in r.url and r.ok else None,
    )
    reader.goto(origin + link)
    photo = reader.locator(".post-body picture img").first
    photo.scroll_into_view_if_needed()
    for _ in range(100):  # (wait_for_function would need eval: CSP says no)
        if photo.evaluate("img => img.complete && img.naturalWidth > 0"):
            break
        reader.wait_for_timeout(100)
    current = photo.evaluate("img => img.currentSrc")
    assert current.endswith("-480.webp"), current
    assert photo.get_attribute("width") == "2000"
    assert photo.get_attribute("height") == "1200"
    assert photo.get_attribute("loading") == "lazy"
    box = photo.bounding_box()
    assert box["width"] <= 360 and abs(box["height"] / box["width"] - 0.6) < 0.02
    assert any(url.endswith("-480.webp") for url in loaded), loaded
    assert not any(url.endswith(("-1600.webp", "-1600.jpg")) for url in loaded)
    _shot(reader, "media-article-phone.png")
    phone.close()
