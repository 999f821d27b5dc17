"""Hostile uploads, made here with Pillow (shared by the tests and
bench/images.py): small files that are expensive to look at.

- a mosaic of QR finder patterns: compresses to a few kilobytes, and a QR
  decoder given it at full size tries every triple of candidate patterns
  (about 8 s for 4000 x 4000 on the machine the issue was found on);
- a 16-bit PNG: twice the bytes a pixel, and a plain 8-bit convert clips it
  to white;
- a QR code inside a large image (PNG, 16-bit PNG or JPEG photo), to show
  that the bounded path still reads real codes.
"""

from __future__ import annotations

import io
import struct
import zlib

import segno
from PIL import Image, ImageDraw


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def finder_mosaic(width: int = 4000, height: int = 4000, module: int = 2) -> bytes:
    """A black-and-white PNG tiled with QR finder patterns (7 x 7 modules:
    a dark ring, a light ring, a dark 3 x 3 centre) one module apart."""
    pitch = 8 * module
    tile = Image.new("1", (pitch, pitch), 1)
    draw = ImageDraw.Draw(tile)
    for ring, fill in ((0, 0), (1, 1), (2, 0)):
        low, high = ring * module, (7 - ring) * module - 1
        draw.rectangle((low, low, high, high), fill=fill)
    row = Image.new("1", (width, pitch), 1)
    for x in range(0, width, pitch):
        row.paste(tile, (x, 0))
    image = Image.new("1", (width, height), 1)
    for y in range(0, height, pitch):
        image.paste(row, (0, y))
    return _png(image)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_16bit_rgb(width: int = 4000, height: int = 4000) -> bytes:
    """A black 16-bit-per-channel RGB PNG, written by hand (Pillow does not
    write 48-bit PNGs): 4000 x 4000 is 96 MB of pixels in about 93 KB."""
    row = b"\0" + b"\0" * (width * 6)  # filter byte, then R G B of 2 bytes each
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * height, 9))
        + _chunk(b"IEND", b"")
    )


def qr_on_canvas(
    link: str,
    size: tuple[int, int],
    kind: str = "png",
    scale: int = 20,
    dark: int = 0,
    light: int = 255,
) -> bytes:
    """A QR code of `link` (modules `scale` pixels square) in the middle of
    a `size` canvas. kind "png" (8-bit grey), "png16" (16-bit grey: `dark`
    and `light` are then 16-bit values) or "jpeg" (a photo-like file)."""
    code = segno.make(link, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4)
    symbol = Image.open(io.BytesIO(out.getvalue())).convert("L")
    mode = "I" if kind == "png16" else "L"
    canvas = Image.new(mode, size, light)
    mask = symbol.point(lambda value: 255 if value < 128 else 0)
    place = ((size[0] - symbol.width) // 2, (size[1] - symbol.height) // 2)
    canvas.paste(Image.new(mode, symbol.size, light), place)
    canvas.paste(Image.new(mode, symbol.size, dark), place, mask)
    out = io.BytesIO()
    if kind == "png16":
        canvas.convert("I;16").save(out, format="PNG")
    elif kind == "jpeg":
        canvas.convert("RGB").save(out, format="JPEG", quality=90)
    else:
        canvas.save(out, format="PNG")
    return out.getvalue()
