"""Hostile QR uploads cost a bounded amount of work: the declared size is
checked before any pixel is decoded, and the QR decoder is never given more
than 1000 x 1000 pixels, whatever the file. The bound is asserted on what
the decoder and Pillow were given (a fixed pixel budget), not on a clock."""

from __future__ import annotations

import pytest

from cms.services import pay_qr
from cms.services.errors import InvalidInput
from cms.services.pay_qr import link_from_image
from tests.crafted_images import finder_mosaic, png_16bit_rgb, qr_on_canvas

WECHAT = "wxp://f2f0K5Y2abcdefghijklmnop"
BUDGET = 1000  # the longest side the decoder may be given (QR_DECODE_SIDE)


@pytest.fixture
def decoder_inputs(monkeypatch) -> list[tuple[int, int]]:
    """The size of every image the QR decoder is given."""
    seen: list[tuple[int, int]] = []
    real = pay_qr.zxingcpp.read_barcodes

    def spy(image, *args, **kwargs):
        seen.append(image.size)
        return real(image, *args, **kwargs)

    monkeypatch.setattr(pay_qr.zxingcpp, "read_barcodes", spy)
    return seen


def outcome(data: bytes) -> str:
    """The link read, or the message of the refusal."""
    try:
        return link_from_image(data)
    except InvalidInput as error:
        return f"refused: {error}"


def within_budget(sizes: list[tuple[int, int]]) -> bool:
    return all(max(size) <= BUDGET for size in sizes)


def test_a_finder_pattern_mosaic_reaches_the_decoder_at_1000_px(ctx, decoder_inputs):
    """12 megapixels (a phone photo's size) is accepted, then reduced."""
    data = finder_mosaic(4000, 3000)
    assert len(data) < 40_000  # tiny on the wire

    assert outcome(data) == "refused: 图片中没有找到二维码"
    assert decoder_inputs and within_budget(decoder_inputs), decoder_inputs


def test_a_4000_square_mosaic_is_refused_from_its_header(
    ctx, decoder_inputs, decoded_sizes
):
    assert (
        outcome(finder_mosaic(4000, 4000)) == "refused: 图片尺寸太大：最多 1200 万像素"
    )
    assert decoder_inputs == []  # never scanned
    assert decoded_sizes == []  # not even decompressed


def test_a_16_bit_4000_square_png_is_refused_from_its_header(ctx, decoded_sizes):
    assert outcome(png_16bit_rgb(4000, 4000)).startswith("refused: 图片尺寸太大")
    assert decoded_sizes == []


@pytest.mark.parametrize(
    ("kind", "shades"),
    [
        ("png", {}),
        ("jpeg", {}),
        # A 16-bit scan of a code on grey paper: a plain 8-bit convert clips
        # both shades to white, scaling keeps them apart.
        ("png16", {"dark": 8_000, "light": 40_000}),
    ],
)
def test_a_real_code_in_a_large_image_still_decodes(
    ctx, decoder_inputs, decoded_sizes, kind, shades
):
    data = qr_on_canvas(WECHAT, (4000, 3000), kind=kind, **shades)
    decoded_sizes.clear()  # making the file decoded the code's own PNG

    assert outcome(data) == WECHAT
    assert decoder_inputs and within_budget(decoder_inputs), decoder_inputs
    if kind == "jpeg":  # decoded at a reduced scale, not 12 megapixels
        assert decoded_sizes == [(2000, 1500)]
