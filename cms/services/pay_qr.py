"""Reading the payment link inside an uploaded QR image (the settings page and
the profile page both take one). The image is decoded, never stored, and the
work is bounded whatever the file holds (see qr_pixels)."""

from __future__ import annotations

import zxingcpp
from PIL import Image

from cms.services.errors import InvalidInput
from cms.services.media import decode_image, open_image
from cms.text.paylinks import check_pay_link

MAX_QR_UPLOAD_BYTES = 2 * 1024 * 1024
QR_UPLOAD_FORMATS = ("PNG", "JPEG")
# A phone camera's 4000 x 3000; screenshots of a 收款码 are far smaller.
QR_MAX_PIXELS = 12_000_000
# The longest side the QR decoder is given: codes decode well at this size,
# and the decoder's work grows quickly with the pixels it scans.
QR_DECODE_SIDE = 1000


_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def _flatten(image: Image.Image) -> Image.Image:
    """Greyscale on white: transparent pixels become white, not black."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("L")


def _shrink(image: Image.Image) -> Image.Image:
    """At most QR_DECODE_SIDE pixels on the longest side: each new pixel the
    average of the ones it covers (a box filter: cheap, and it keeps the
    modules' edges)."""
    image.thumbnail(
        (QR_DECODE_SIDE, QR_DECODE_SIDE), Image.Resampling.BOX, reducing_gap=None
    )
    return image


def qr_pixels(data: bytes) -> Image.Image:
    """What the QR decoder is given for an uploaded image: 8-bit greyscale,
    at most QR_DECODE_SIDE pixels on its longest side. The declared size is
    checked first (at most QR_MAX_PIXELS, nothing decoded otherwise); a JPEG
    is decoded straight at a reduced scale, a PNG reduced right after
    decoding. 16-bit grey is reduced first and then scaled to 8 bits (a
    plain convert would clip it to white). InvalidInput as
    cms.services.media.open_image says."""
    image = open_image(data, MAX_QR_UPLOAD_BYTES, QR_UPLOAD_FORMATS, QR_MAX_PIXELS)
    image.draft("L", (QR_DECODE_SIDE, QR_DECODE_SIDE))  # JPEG: 1/2 .. 1/8 scale
    image = decode_image(image)
    if image.mode in _SIXTEEN_BIT:
        small = _shrink(image.convert("I"))
        # point() on mode I scales in place (0-255, still I); then L is exact.
        return small.point(lambda value: value / 256).convert("L")
    return _shrink(_flatten(image))


def link_from_image(data: bytes) -> str:
    """The payment link a QR image holds, validated like a typed link.

    `data` must be a PNG or JPEG of at most 2 MB and 12 megapixels (checked
    from its header). The work is bounded whatever the file holds: one
    decoding pass over at most 1000 x 1000 pixels (see qr_pixels), so a
    crafted image costs a fraction of a second, not seconds. InvalidInput
    with a message for people when it is not an image, holds no QR code, holds
    several different ones, or holds a link that `check_pay_link` refuses.
    Nothing is stored."""
    image = qr_pixels(data)
    try:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    except (ValueError, RuntimeError):
        raise InvalidInput("无法读取这张图片中的二维码") from None
    texts = {code.text for code in found if code.valid and code.text}
    if not texts:
        raise InvalidInput("图片中没有找到二维码")
    if len(texts) > 1:
        raise InvalidInput("图片中有多个不同的二维码，请只上传收款码")
    try:
        link = check_pay_link(texts.pop())
    except ValueError as exc:
        raise InvalidInput(f"二维码中的链接不可用：{exc}") from None
    if not link:
        raise InvalidInput("图片中没有找到二维码")
    return link
