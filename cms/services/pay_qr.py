"""Reading the payment link inside an uploaded QR image (the settings page and
the profile page both take one). The image is decoded, never stored."""

from __future__ import annotations

import zxingcpp
from PIL import Image

from cms.services.errors import InvalidInput
from cms.services.media import load_image
from cms.text.paylinks import check_pay_link

MAX_QR_UPLOAD_BYTES = 2 * 1024 * 1024
QR_UPLOAD_FORMATS = ("PNG", "JPEG")


def _flatten(image: Image.Image) -> Image.Image:
    """Greyscale on white: transparent pixels become white, not black."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("L")


def link_from_image(data: bytes) -> str:
    """The payment link a QR image holds, validated like a typed link.

    `data` must be a PNG or JPEG of at most 2 MB whose declared size passes
    the decompression-bomb check (cms.services.media.load_image). InvalidInput
    with a message for people when it is not an image, holds no QR code, holds
    several different ones, or holds a link that `check_pay_link` refuses.
    Nothing is stored."""
    image = _flatten(load_image(data, MAX_QR_UPLOAD_BYTES, QR_UPLOAD_FORMATS))
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
