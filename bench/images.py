#!/usr/bin/env python3
"""Hostile uploads: what a crafted QR image or avatar costs, the old way
(decode the whole file at full size, hand it all to the QR decoder; an
avatar decoded twice) against the bounded path the CMS takes now
(cms.services.pay_qr.link_from_image, and the avatar check of
cms.services.profiles).

The files are made with Pillow (tests/crafted_images.py): a mosaic of QR
finder patterns, a 16-bit PNG, and real QR codes in large images. Prints,
for each, its size, the median milliseconds of each path over the rounds,
`old/new`, and what each path answered (the link read, or the refusal).
No database, no server: the image work alone, in this process.

    .venv/bin/python bench/images.py              # 3 rounds
    .venv/bin/python bench/images.py --rounds 1   # quicker (the old path of
                                                  # the mosaics takes seconds)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import zxingcpp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/x.py` puts bench/, not the root
    sys.path.insert(0, str(ROOT))

from cms.services.errors import InvalidInput  # noqa: E402
from cms.services.media import load_image  # noqa: E402
from cms.services.pay_qr import _flatten, link_from_image  # noqa: E402
from cms.services.profiles import AVATAR_FORMATS, AVATAR_MAX_PIXELS  # noqa: E402
from tests.crafted_images import finder_mosaic, png_16bit_rgb, qr_on_canvas  # noqa: E402

LINK = "wxp://f2f0K5Y2abcdefghijklmnop"


def old_qr(data: bytes) -> str:
    """The QR path before the fix: the whole image decoded (up to 16 MP),
    flattened and scanned at full size."""
    image = _flatten(load_image(data, formats=("PNG", "JPEG")))
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return ",".join(code.text for code in found) or "no code"


def new_qr(data: bytes) -> str:
    return link_from_image(data)


def old_avatar(data: bytes) -> str:
    """The avatar path before the fix: checked at 16 MP, decoded twice (once
    by the form's check, once again when stored)."""
    load_image(data, formats=AVATAR_FORMATS)
    load_image(data)
    return "accepted"


def new_avatar(data: bytes) -> str:
    load_image(data, formats=AVATAR_FORMATS, max_pixels=AVATAR_MAX_PIXELS)
    return "accepted"


def answer(run: Callable[[bytes], str], data: bytes) -> str:
    try:
        return run(data)
    except InvalidInput as error:
        return f"refused: {error}"


def timed(run: Callable[[bytes], str], data: bytes, rounds: int) -> tuple[float, str]:
    """Median milliseconds of `rounds` runs, and the last answer."""
    times, said = [], ""
    for _ in range(rounds):
        started = time.perf_counter()
        said = answer(run, data)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), said


def cases() -> list[tuple[str, str, bytes]]:
    """(what, use, file)."""
    return [
        ("finder mosaic 4000x4000 PNG", "qr", finder_mosaic(4000, 4000)),
        ("finder mosaic 4000x3000 PNG", "qr", finder_mosaic(4000, 3000)),
        # The worst left: already at the decoder's size, 1-pixel modules.
        ("finder mosaic 1000x1000 PNG", "qr", finder_mosaic(1000, 1000, module=1)),
        ("16-bit RGB 4000x4000 PNG", "qr", png_16bit_rgb(4000, 4000)),
        ("QR in a 4000x3000 JPEG photo", "qr",
         qr_on_canvas(LINK, (4000, 3000), "jpeg")),
        ("QR in a 4000x3000 16-bit PNG", "qr",
         qr_on_canvas(LINK, (4000, 3000), "png16", dark=8_000, light=40_000)),
        ("16-bit RGB 4000x4000 PNG", "avatar", png_16bit_rgb(4000, 4000)),
        ("16-bit RGB 2000x2000 PNG", "avatar", png_16bit_rgb(2000, 2000)),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (3)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")
    paths = {"qr": (old_qr, new_qr), "avatar": (old_avatar, new_avatar)}
    print(f"{'file':<31} {'use':<6} {'bytes':>7} {'old ms':>9} {'new ms':>8} "
          f"{'old/new':>8}  new answer (old answer)")  # fmt: skip
    for what, use, data in cases():
        old, new = paths[use]
        old_ms, old_said = timed(old, data, args.rounds)
        new_ms, said = timed(new, data, args.rounds)
        ratio = old_ms / new_ms if new_ms > 0 else float("inf")
        print(f"{what:<31} {use:<6} {len(data):>7} {old_ms:>9.1f} {new_ms:>8.1f} "
              f"{ratio:>7.1f}x  {said} ({old_said})", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
