"""What the browser tests share besides fixtures: paths, sizes, skip helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

REFERENCE_PATH = "/fb8e1C2pWVwldAVU.html"
# The demo's reference article is filed under 催收与逾期, whose pinyin slug is this.
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}

# When set, the screenshot test also writes its PNGs there (for a person to look at).
SHOTS_DIR_ENV = "CMS_E2E_SHOTS"


def require_browser() -> None:
    """Skip the calling test module when Playwright or Debian's Chromium is absent.

    Called at module level, so `make test` passes (with a clear skip line) on a
    machine without them. Playwright's own browser downloads are never used:
    the tests drive the Chromium that Debian packages."""
    pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (requirements-dev)"
    )
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium package to run "
            "the browser tests",
            allow_module_level=True,
        )


def shots_dir() -> Path | None:
    """The extra screenshot folder named by CMS_E2E_SHOTS, created; else None."""
    value = os.environ.get(SHOTS_DIR_ENV)
    if not value:
        return None
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


def parse_rgb(value: str) -> tuple[float, float, float]:
    """'rgb(1, 2, 3)' or an opaque 'rgba(1, 2, 3, 1)' as three 0-255 numbers."""
    inside = value[value.index("(") + 1 : value.rindex(")")]
    parts = [
        float(p) for p in inside.replace("/", ",").replace(" ", ",").split(",") if p
    ]
    if len(parts) == 4:
        assert parts[3] == 1, f"expected an opaque colour, got {value}"
    return parts[0], parts[1], parts[2]


def luminance(value: str) -> float:
    """WCAG 2 relative luminance of a CSS rgb() colour."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in parse_rgb(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two CSS rgb() colours (1 to 21)."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)
