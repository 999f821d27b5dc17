"""Light and dark schemes follow prefers-color-scheme, both with readable contrast."""

import pytest

from tests.e2e.support import contrast, luminance, require_browser

require_browser()
pytestmark = pytest.mark.browser

COLOURS = """() => {
    const css = (selector, property) => {
        const el = document.querySelector(selector);
        return el ? getComputedStyle(el)[property] : null;
    };
    return {
        background: css('body', 'backgroundColor'),
        text: css('body', 'color'),
        paragraph: css('.post-body p', 'color'),
        link: css('.attribution a', 'color'),
        category: css('.post-category a', 'color'),
        categoryBackground: css('.post-category a', 'backgroundColor'),
        meta: css('.post-meta', 'color'),
        headerBackground: css('.site-header', 'backgroundColor'),
        siteName: css('.site-name', 'color'),
        attributionBackground: css('.attribution', 'backgroundColor'),
        attributionText: css('.attribution', 'color'),
    };
}"""


def colours(page, live_server, path, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url(path))
    return page.evaluate(COLOURS)


def test_dark_and_light_schemes_differ(page, live_server, reference_path):
    light = colours(page, live_server, reference_path, "light")
    dark = colours(page, live_server, reference_path, "dark")

    assert light["background"] != dark["background"]
    assert light["text"] != dark["text"]
    assert luminance(light["background"]) > 0.8, light
    assert luminance(dark["background"]) < 0.05, dark
    assert luminance(dark["text"]) > luminance(dark["background"]), dark
    assert luminance(light["text"]) < luminance(light["background"]), light


# (what, foreground key, background key, minimum ratio)
PAIRS = [
    # Body text well above WCAG AAA (7:1); secondary text and links above AA.
    ("body text", "text", "background", 7),
    ("article paragraphs", "paragraph", "background", 7),
    ("attribution link", "link", "attributionBackground", 4.5),
    ("category label", "category", "categoryBackground", 4.5),
    ("meta line", "meta", "background", 4.5),
    ("site name", "siteName", "headerBackground", 4.5),
    ("attribution text", "attributionText", "attributionBackground", 4.5),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contrast_is_comfortable(page, live_server, reference_path, scheme):
    c = colours(page, live_server, reference_path, scheme)

    too_low = [
        f"{what}: {c[fg]} on {c[bg]} is {contrast(c[fg], c[bg]):.2f}:1 < {minimum}:1"
        for what, fg, bg, minimum in PAIRS
        if contrast(c[fg], c[bg]) < minimum
    ]
    assert not too_low, "\n".join(too_low)
    # Not glaring either: pure white on pure black (21:1) tires the eyes.
    assert contrast(c["text"], c["background"]) < 19, c
