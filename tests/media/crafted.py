"""Real files crafted with Pillow for the media tests: photos carrying GPS
and orientation, hostile files dressed up as images."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

# 39°54′N 116°23′E, as the avatar carried.
GPS = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
ORIENTATION = 0x0112
GPS_IFD = 0x8825


def two_colour(size=(60, 40)) -> Image.Image:
    """Left half red, right half blue: a rotation shows where they went."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    return image


def photo_with_gps(
    orientation: int = 6, size=(60, 40), fmt: str = "JPEG", comment: bytes = b""
) -> bytes:
    """A camera-like photo: EXIF with a GPS position, a maker and an
    orientation (6: the viewer must turn it 90° clockwise)."""
    image = two_colour(size)
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "CrafterCam"  # Make
    exif[GPS_IFD] = GPS
    out = io.BytesIO()
    options = {"comment": comment} if comment else {}
    image.save(out, fmt, exif=exif.tobytes(), quality=95, **options)
    return out.getvalue()


def noisy(size=(200, 150), fmt="JPEG") -> bytes:
    """An image that does not compress to nothing (so cutting it loses pixels)."""
    w, h = size
    raw = bytes((i * 7919 + (i >> 5) * 104729) % 251 for i in range(w * h * 3))
    out = io.BytesIO()
    Image.frombytes("RGB", size, raw).save(out, fmt)
    return out.getvalue()


def plain(size=(8, 8), fmt="PNG", colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


HTML_AS_PNG = (
    b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
)
SVG_AS_PNG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'onload="alert(1)"><script>alert(2)</script></svg>'
)
SVG_NO_PROLOGUE = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'


def png_then_html() -> bytes:
    """A valid PNG with a page appended after its end (a polyglot)."""
    return plain((16, 16)) + b"<html><script>alert(1)</script></html>"


def gif_then_zip() -> bytes:
    """A GIF with a ZIP archive glued on (a GIFAR)."""
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.class", b"\xca\xfe\xba\xbe" + b"\0" * 64)
    return plain((8, 8), "GIF") + buffer.getvalue()


def jpeg_with_script_comment() -> bytes:
    """A valid JPEG whose comment segment holds a script (read as HTML by a
    browser that sniffs it, the classic JPEG/HTML polyglot)."""
    return photo_with_gps(1, comment=b"<script>alert(1)</script>")


def truncated_jpeg() -> bytes:
    data = noisy()
    return data[: len(data) * 2 // 3]


def truncated_png() -> bytes:
    data = noisy(fmt="PNG")
    return data[: len(data) * 2 // 3]


def bomb_png(width: int = 40_000, height: int = 40_000) -> bytes:
    """A tiny PNG whose header claims a huge image (IHDR patched, CRC fixed)."""
    data = bytearray(plain((1, 1)))
    ihdr = 8 + 8  # signature, then length + type of the first chunk
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


def real_bomb_png(side: int = 8000) -> bytes:
    """A real, valid grey PNG of side x side zeros: 64 megapixels in a few
    dozen kilobytes."""
    row = b"\0" + b"\0" * side
    payload = zlib.compress(row * side, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", payload)
        + chunk(b"IEND", b"")
    )


def gps_of(data: bytes) -> dict:
    """The GPS IFD an image file carries (empty: none)."""
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(GPS_IFD))
