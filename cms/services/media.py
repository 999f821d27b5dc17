"""Uploaded images (logo, favicon, avatars): checked, then stored by content.

An upload is accepted only when Pillow recognises it as one of the allowed
formats, it is at most `max_bytes` long and its declared dimensions stay under
`MAX_PIXELS` (checked before any pixel is decoded, so a decompression bomb is
refused cheaply). Stored files are named by a hash of their bytes: a key never
changes meaning, so it can be served with long-lived caching.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from PIL import Image, UnidentifiedImageError

from cms.services.errors import InvalidInput, NotFound

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 16_000_000  # e.g. 4000 x 4000
IMAGE_FORMATS = {
    "PNG": "png",
    "JPEG": "jpg",
    "GIF": "gif",
    "WEBP": "webp",
    "ICO": "ico",
}
KEY_RE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}\.(?:png|jpg|gif|webp|ico)")


def too_big(max_pixels: int) -> str:
    """The message for an image above `max_pixels` (in 万像素, as cameras say)."""
    return f"图片尺寸太大：最多 {max_pixels // 10_000} 万像素"


def open_image(
    data: bytes,
    max_bytes: int = MAX_UPLOAD_BYTES,
    formats: tuple[str, ...] = tuple(IMAGE_FORMATS),
    max_pixels: int = MAX_PIXELS,
) -> Image.Image:
    """A Pillow image of `data` whose header was checked and whose pixels are
    not decoded yet (Pillow opens lazily), so a caller may still ask for a
    cheaper decode (`Image.draft`). InvalidInput saying why not: empty, more
    than `max_bytes`, not an image, a format not in `formats`, or a declared
    size above `max_pixels`: nothing is decompressed for a refused file."""
    if not data:
        raise InvalidInput("请选择一个图片文件")
    if len(data) > max_bytes:
        raise InvalidInput(f"图片不能超过 {max_bytes // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(formats))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(too_big(max_pixels)) from None
    except UnidentifiedImageError:
        raise InvalidInput(f"不是可识别的图片（支持 {'、'.join(formats)}）") from None
    except (OSError, SyntaxError, ValueError):
        raise InvalidInput("图片文件已损坏，无法读取") from None
    width, height = image.size
    if width * height > max_pixels:
        raise InvalidInput(too_big(max_pixels))
    return image


def decode_image(image: Image.Image) -> Image.Image:
    """Decode the pixels of an image from open_image (at the scale a draft
    asked for); InvalidInput when the file turns out to be damaged."""
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise InvalidInput("图片文件已损坏，无法读取") from None
    return image


def load_image(
    data: bytes,
    max_bytes: int = MAX_UPLOAD_BYTES,
    formats: tuple[str, ...] = tuple(IMAGE_FORMATS),
    max_pixels: int = MAX_PIXELS,
) -> Image.Image:
    """A Pillow image of `data`, decoded, or InvalidInput saying why not: too
    big, not an image, a format not in `formats`, more than `max_pixels`
    (checked from the header, before any pixel is decoded), or damaged."""
    return decode_image(open_image(data, max_bytes, formats, max_pixels))


def media_root() -> Path:
    """Where uploads are stored: MEDIA_URL's file:// path, else instance/media."""
    url = current_app.config.get("MEDIA_URL")
    if not url:
        return Path(current_app.instance_path) / "media"
    parts = urlsplit(url)
    if parts.scheme != "file":
        raise RuntimeError(f"MEDIA_URL scheme {parts.scheme!r} is not supported yet")
    return Path(unquote(parts.path))


def store_image(
    data: bytes,
    max_bytes: int = MAX_UPLOAD_BYTES,
    checked: Image.Image | None = None,
) -> str:
    """Check `data` as an image (see load_image) and store its bytes; returns
    its key ("ab/<32 hex>.png"). Storing the same bytes twice gives the same
    key and one file. InvalidInput leaves nothing behind. `checked` is what
    load_image already gave for these very bytes (with the caller's stricter
    limits): then they are not decoded a second time."""
    image = checked if checked is not None else load_image(data, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest[:32]}.{IMAGE_FORMATS[image.format]}"
    path = media_root() / key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    return key


def media_file(key: str) -> Path:
    """The stored file of `key`; NotFound for a malformed or unknown key."""
    if not KEY_RE.fullmatch(key or ""):
        raise NotFound(key)
    path = media_root() / key
    if not path.is_file():
        raise NotFound(key)
    return path
