"""Reading comfort: body size, leading, measure and a system CJK font stack."""

import pytest

from tests.e2e.support import DESKTOP, PHONE, require_browser

require_browser()
pytestmark = pytest.mark.browser

PARAGRAPH_METRICS = """() => {
    const p = document.querySelector('.post-body p');
    const style = getComputedStyle(p);
    return {
        fontSize: parseFloat(style.fontSize),
        lineHeight: parseFloat(style.lineHeight),
        rawLineHeight: style.lineHeight,
        width: p.getBoundingClientRect().width,
    };
}"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_article_text_size_and_leading(page, live_server, reference_path, viewport):
    page.set_viewport_size(viewport)
    page.goto(live_server.url(reference_path))

    metrics = page.evaluate(PARAGRAPH_METRICS)

    assert metrics["fontSize"] >= 16, metrics
    # `normal` would parse as NaN: leading must be set explicitly.
    assert metrics["rawLineHeight"] != "normal", metrics
    ratio = metrics["lineHeight"] / metrics["fontSize"]
    assert 1.7 <= ratio <= 1.9, f"line-height/font-size is {ratio:.2f}: {metrics}"


def test_desktop_lines_hold_about_forty_characters(page, live_server, reference_path):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url(reference_path))

    metrics = page.evaluate(PARAGRAPH_METRICS)

    characters_per_line = metrics["width"] / metrics["fontSize"]
    # A CJK character is one em wide: this is how many fit on one line.
    assert characters_per_line <= 41, metrics
    assert characters_per_line >= 30, f"lines are cramped: {metrics}"


CJK_STACK = ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC")


# The text that matters on each page: its own rules must not swap the stack out.
READING_TEXT = {
    "home": ".card-title, .card-excerpt",
    "reference article": ".post-title, .post-body p, .attribution",
    "login": "label, .button",
}


@pytest.mark.parametrize("which", list(READING_TEXT))
def test_text_uses_a_system_cjk_font_stack(page, live_server, reference_path, which):
    path = {"home": "/", "reference article": reference_path, "login": "/auth/login"}
    page.goto(live_server.url(path[which]))

    families = page.evaluate(
        """selector => [document.body, ...document.querySelectorAll(selector)]
            .map(el => getComputedStyle(el).fontFamily)""",
        READING_TEXT[which],
    )

    assert len(families) > 1, f"nothing matches {READING_TEXT[which]}"
    for family in set(families):
        # PingFang SC: macOS and iOS; Microsoft YaHei: Windows; Noto Sans CJK SC:
        # Android and Linux. No web font is downloaded.
        for name in CJK_STACK:
            assert name in family, f"{name} missing from {family}"
        assert family.rstrip().endswith("sans-serif"), family
