"""Uploaded QR images: the CMS reads the link out of a real QR code and
checks it like a typed link; anything else is refused with a clear message.
(The settings and profile pages call this service for their upload fields.)"""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from PIL import Image

from cms.services.errors import InvalidInput
from cms.services.pay_qr import link_from_image
from tests.tipping.support import decode, qr_image

WECHAT = "wxp://f2f0K5Y2abcdefghijklmnop"
ALIPAY = "https://qr.alipay.com/fkx12345abcde"


def refused(data: bytes) -> str:
    with pytest.raises(InvalidInput) as error:
        link_from_image(data)
    return str(error.value)


@pytest.mark.parametrize("link", [WECHAT, ALIPAY, "alipays://platformapi/startapp?a=1"])
def test_a_png_qr_gives_its_link(ctx, link):
    data = qr_image(link)
    assert decode(data) == [link]  # the test image itself is a real QR code
    assert link_from_image(data) == link


def test_a_jpeg_qr_gives_its_link(ctx):
    assert link_from_image(qr_image(ALIPAY, kind="jpeg")) == ALIPAY


def test_a_qr_on_a_transparent_background(ctx):
    data = qr_image(WECHAT, light=None)  # dark modules, transparent elsewhere
    assert "transparency" in Image.open(io.BytesIO(data)).info
    assert link_from_image(data) == WECHAT


def test_a_qr_inside_a_larger_screenshot(ctx):
    """What people have: a phone screenshot of their 收款码 page."""
    code = Image.open(io.BytesIO(qr_image(ALIPAY, scale=6))).convert("RGB")
    screen = Image.new("RGB", (720, 1280), (22, 119, 255))
    card = Image.new("RGB", (520, 700), (255, 255, 255))
    card.paste(code, ((520 - code.width) // 2, 120))
    screen.paste(card, (100, 240))
    out = io.BytesIO()
    screen.save(out, format="JPEG", quality=85)
    assert link_from_image(out.getvalue()) == ALIPAY


def test_a_picture_without_qr_is_refused(ctx):
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 60, 60)).save(out, format="PNG")
    assert refused(out.getvalue()) == "图片中没有找到二维码"


def test_a_text_file_is_refused(ctx):
    message = refused(b"wxp://f2f0K5Y2abcdefghijklmnop\n")
    assert "不是可识别的图片" in message


def test_an_empty_file_is_refused(ctx):
    assert refused(b"") == "请选择一个图片文件"


def test_a_gif_is_not_an_accepted_format(ctx):
    assert "PNG、JPEG" in refused(qr_image(WECHAT, kind="gif"))


def test_a_file_over_2_mb_is_refused(ctx):
    big = qr_image(WECHAT) + b"\0" * (2 * 1024 * 1024)
    assert refused(big) == "图片不能超过 2 MB"


def _png_declaring(width: int, height: int) -> bytes:
    """A small valid PNG whose IHDR is patched to claim width x height (CRC
    recomputed), the classic decompression bomb header."""
    out = io.BytesIO()
    Image.new("L", (8, 8), 255).save(out, format="PNG")
    data = bytearray(out.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def _blank_png_compressed(width: int, height: int) -> bytes:
    """A real, huge, blank PNG that compresses to a few kilobytes."""
    raw = (b"\0" + b"\0" * width) * height  # filter byte + one grey byte a pixel
    body = zlib.compress(raw, 9)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", body)
        + chunk(b"IEND", b"")
    )


# Pillow itself refuses past 2 x its own limit (about 179 megapixels) when it
# opens the file, load_image above 16 megapixels: the same message either way.
@pytest.mark.parametrize(
    ("bomb", "expected"),
    [
        pytest.param(
            lambda: _png_declaring(30_000, 30_000), "图片尺寸太大",
            id="header-900MP",
        ),
        pytest.param(
            lambda: _png_declaring(5_000, 5_000), "图片尺寸太大", id="header-25MP"
        ),
        pytest.param(
            lambda: _blank_png_compressed(20_000, 20_000), "图片尺寸太大",
            id="real-400MP",
        ),
        pytest.param(
            lambda: _blank_png_compressed(6_000, 6_000), "图片尺寸太大", id="real-36MP"
        ),
    ],
)  # fmt: skip
def test_a_decompression_bomb_is_refused_quickly(ctx, bomb, expected):
    data = bomb()
    assert len(data) < 2 * 1024 * 1024
    started = time.perf_counter()
    message = refused(data)
    assert time.perf_counter() - started < 1.0
    assert message.startswith(expected)


@pytest.mark.parametrize(
    "inside",
    ["javascript:alert(1)", "http://qr.alipay.com/fkx123", "data:text/html,hi",
     "收款码-not-a-link"],
)  # fmt: skip
def test_a_qr_holding_a_refused_link_is_refused(ctx, inside):
    message = refused(qr_image(inside))
    assert message.startswith("二维码中的链接不可用：")
    assert "https://" in message  # says what is accepted


def test_two_different_codes_in_one_image_are_refused(ctx):
    first = Image.open(io.BytesIO(qr_image(WECHAT, scale=5))).convert("L")
    second = Image.open(io.BytesIO(qr_image(ALIPAY, scale=5))).convert("L")
    both = Image.new("L", (first.width + second.width + 40, 400), 255)
    both.paste(first, (0, 0))
    both.paste(second, (first.width + 40, 0))
    out = io.BytesIO()
    both.save(out, format="PNG")
    assert "多个" in refused(out.getvalue())
