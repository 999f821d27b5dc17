"""Helpers of the tipping tests: QR images made here, decoded with zxing-cpp,
and the served SVG turned back into pixels (without cairo)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import segno
import zxingcpp
from PIL import Image
from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import User

SVG_NS = "{http://www.w3.org/2000/svg}"
PATH_TOKEN = re.compile(r"[A-Za-z]|-?\d+(?:\.\d+)?")


def qr_image(link: str, kind: str = "png", scale: int = 8, **options) -> bytes:
    """A QR code of `link` as a PNG (or JPEG, GIF ...), made with segno here."""
    code = segno.make(link, error="m", micro=False)
    out = io.BytesIO()
    if kind == "png":
        code.save(out, kind="png", scale=scale, border=4, **options)
        return out.getvalue()
    png = io.BytesIO()
    code.save(png, kind="png", scale=scale, border=4)
    Image.open(png).convert("RGB").save(out, format=kind.upper())
    return out.getvalue()


def decode(data: bytes | Image.Image) -> list[str]:
    """The texts of every QR code zxing-cpp finds in an image."""
    image = data if isinstance(data, Image.Image) else Image.open(io.BytesIO(data))
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in found]


def segno_png_of(link: str) -> bytes:
    """What the issue asks to decode: the PNG segno makes from the stored link."""
    out = io.BytesIO()
    segno.make(link, error="m", micro=False).save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def rasterize_svg(svg: bytes, scale: int = 6) -> Image.Image:
    """Pixels of a segno SVG (a white rectangle, and one path of horizontal
    1-unit strokes drawn with M/m/h): each module `scale` pixels square.
    Anything else in the SVG is an AssertionError."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    _, _, width, height = (int(float(v)) for v in root.get("viewBox").split())
    image = Image.new("L", (width * scale, height * scale), 255)
    pixels = image.load()
    dark = [p for p in root.iter(f"{SVG_NS}path") if p.get("stroke")]
    assert len(dark) == 1
    tokens = PATH_TOKEN.findall(dark[0].get("d"))
    x = y = 0.0
    i = 0
    while i < len(tokens):
        command = tokens[i]
        if command in "Mm":
            dx, dy = float(tokens[i + 1]), float(tokens[i + 2])
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
            i += 3
        elif command == "h":
            length = float(tokens[i + 1])
            row = int(y - 0.5)
            for column in range(int(x), int(x + length)):
                for py in range(row * scale, (row + 1) * scale):
                    for px in range(column * scale, (column + 1) * scale):
                        pixels[px, py] = 0
            x += length
            i += 2
        else:
            raise AssertionError(f"unexpected path command {command!r}")
    return image


def set_own_links(username: str, wechat: str = "", alipay: str = "") -> None:
    """Give an account its own pay links (the profile page's job; stored here
    directly so these tests do not depend on it)."""
    with write_transaction():
        user = db.session.scalar(select(User).where(User.username == username))
        user.tip_wechat = wechat
        user.tip_alipay = alipay


def switch_tip(article_id: int, on: bool) -> None:
    """Set an article's show_tip (the posts editor's job; stored here directly)."""
    from cms.models import Article

    with write_transaction():
        db.session.get(Article, article_id).show_tip = on


def browser_form_data(form) -> dict[str, str]:
    """Every named input of a parsed <form> as a browser sends it: checked
    boxes only, the selected option, file inputs left out."""
    data: dict[str, str] = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        if field.name == "textarea":
            data[name] = field.get_text().removeprefix("\r\n").removeprefix("\n")
        elif field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[name] = chosen["value"] if chosen else ""
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.get("type") not in ("file", "submit"):
            data[name] = field.get("value", "")
    return data
