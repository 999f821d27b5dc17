"""Uploaded images (article images, covers, logo, favicon, avatars): checked
by content, cleaned, then stored by content.

Checking (open_image): the bytes, never the uploaded name or content type,
decide. An upload is accepted only when Pillow recognises it as one of the
allowed formats, it is at most `max_bytes` long, its declared dimensions
(times its frames, for an animation) stay under the megapixel limit (checked
before any pixel is decoded, so a decompression bomb is refused cheaply), it
carries nothing after the image's end and no markup (HTML, SVG, script: a
polyglot), and the decoder reads it to the end (a truncated file is refused).
SVG is never accepted (it may carry scripts).

Cleaning (clean_image): the orientation the EXIF data asked for is applied to
the pixels, then every piece of metadata is dropped (EXIF with its GPS
position, XMP, comments, text chunks); only the colour profile is kept.
What is stored is always the re-encoded image, never the uploaded bytes.

Stored files are named by a hash of their stored bytes: a key never changes
meaning, so it can be served with long-lived caching, and the same image
stored twice is one file.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from cms.services.errors import InvalidInput, NotFound
from cms.services.media_store import media_store

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 16_000_000  # e.g. 4000 x 4000
IMAGE_FORMATS = {
    "PNG": "png",
    "JPEG": "jpg",
    "GIF": "gif",
    "WEBP": "webp",
    "ICO": "ico",
}
# What article images may be (the favicon alone may also be an ICO).
ARTICLE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "ico": "image/x-icon",
}
# Widths made for pages (narrower images get only those below their width).
WIDTHS = (480, 960, 1600)
KEY_RE = re.compile(
    r"(?P<stem>[0-9a-f]{2}/[0-9a-f]{32})(?:-(?P<width>480|960|1600))?"
    r"\.(?P<ext>png|jpg|gif|webp|ico)"
)
# Markup that has no business inside an image: a file carrying it is a
# polyglot meant to be read as a page or a script by something.
_MARKUP = re.compile(
    rb"<(?:script|html|svg|body|head|iframe|object|embed|meta|!doctype|\?php)[\s>/]",
    re.IGNORECASE,
)
_SVG = re.compile(rb"<svg[\s>]", re.IGNORECASE)
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")
# The metadata kept when an image is re-encoded (everything else is dropped).
_KEPT_INFO = ("icc_profile", "transparency", "duration", "loop", "background")
# How much larger than one frame's limit an animation may be in all.
ANIMATION_BUDGET = 2


def too_big(max_pixels: int) -> str:
    """The message for an image above `max_pixels` (in 万像素, as cameras say)."""
    return f"图片尺寸太大：最多 {max_pixels // 10_000} 万像素"


def _sniff(data: bytes, formats: tuple[str, ...]) -> None:
    """InvalidInput, with a message for people, for an SVG, HTML or other
    text file given as an image (whatever its name)."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if _SVG.search(data[:4096]) or head.startswith(b"<?xml"):
        raise InvalidInput(
            "不接受 SVG 图片（其中可能含有脚本），请上传 PNG、JPEG、WebP 或 GIF"
        )
    if head.startswith(b"<"):
        raise InvalidInput(f"这是网页或文本文件，不是图片（支持 {'、'.join(formats)}）")


def _ending(data: bytes, fmt: str) -> str:
    """ "cut" when `data` lacks its image's end marker (truncated), "extra"
    when it carries bytes after it (where a polyglot hides its second file),
    "" when it ends where the image ends."""
    if fmt == "PNG":
        end = data.rfind(b"IEND")
        return "cut" if end < 0 else "extra" if len(data) > end + 8 else ""
    if fmt == "GIF":
        if data.rstrip(b"\0").endswith(b";"):
            return ""
        return "extra" if b"\0;" in data[13:] else "cut"
    if fmt in ("JPEG", "MPO"):
        # The last end-of-image marker; a camera's second picture (MPF) ends
        # with one too. Zero padding is harmless.
        end = data.rfind(b"\xff\xd9")
        if end < 0:
            return "cut"
        return "extra" if data[end + 2 :].strip(b"\0") else ""
    if fmt == "WEBP":
        size = int.from_bytes(data[4:8], "little") + 8
        return (
            "cut"
            if len(data) < size
            else "extra"
            if len(data) > size + (size & 1)
            else ""
        )
    return ""


def open_image(
    data: bytes,
    max_bytes: int = MAX_UPLOAD_BYTES,
    formats: tuple[str, ...] = tuple(IMAGE_FORMATS),
    max_pixels: int = MAX_PIXELS,
) -> Image.Image:
    """A Pillow image of `data` whose header and structure were checked and
    whose pixels are not decoded yet (Pillow opens lazily), so a caller may
    still ask for a cheaper decode (`Image.draft`). InvalidInput saying why
    not: empty, more than `max_bytes`, SVG or HTML, not an image, a format
    not in `formats`, a declared size above `max_pixels`, data after the
    image's end or markup inside it, or a broken structure (Pillow's
    verify): nothing is decompressed for a refused file."""
    if not data:
        raise InvalidInput("请选择一个图片文件")
    if len(data) > max_bytes:
        raise InvalidInput(f"图片不能超过 {max_bytes // (1024 * 1024)} MB")
    _sniff(data, formats)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(formats))
            width, height = image.size
            if width * height > max_pixels:
                raise InvalidInput(too_big(max_pixels))
            fmt = "JPEG" if image.format == "MPO" else image.format or ""
            frames = getattr(image, "n_frames", 1) if fmt in ("GIF", "WEBP") else 1
            if frames > 1 and width * height * frames > max_pixels * ANIMATION_BUDGET:
                budget = max_pixels * ANIMATION_BUDGET // 10_000
                raise InvalidInput(f"动图太大：所有帧合计最多 {budget} 万像素")
            image.seek(0)
            ending = _ending(data, fmt)
            if ending == "cut":
                raise InvalidInput("图片文件已损坏（不完整），无法读取")
            if ending == "extra" or _MARKUP.search(data):
                raise InvalidInput("文件中夹带了图片以外的内容，不能上传")
            checker = Image.open(io.BytesIO(data), formats=[image.format or fmt])
            checker.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(too_big(max_pixels)) from None
    except UnidentifiedImageError:
        raise InvalidInput(f"不是可识别的图片（支持 {'、'.join(formats)}）") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise InvalidInput("图片文件已损坏，无法读取") from None
    return image


def decode_image(image: Image.Image) -> Image.Image:
    """Decode the pixels of an image from open_image (at the scale a draft
    asked for); InvalidInput when the file turns out to be damaged or cut
    short (Pillow does not fill a truncated file with grey here)."""
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError):
        raise InvalidInput("图片文件已损坏，无法读取") from None
    return image


def load_image(
    data: bytes,
    max_bytes: int = MAX_UPLOAD_BYTES,
    formats: tuple[str, ...] = tuple(IMAGE_FORMATS),
    max_pixels: int = MAX_PIXELS,
) -> Image.Image:
    """A Pillow image of `data`, decoded, or InvalidInput saying why not (see
    open_image and decode_image)."""
    return decode_image(open_image(data, max_bytes, formats, max_pixels))


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit and CMYK images as the web shows them (8-bit grey or RGB)."""
    if image.mode in _SIXTEEN_BIT:
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("CMYK", "YCbCr", "LAB", "HSV", "F"):
        return image.convert("RGB")
    return image


def clean_image(image: Image.Image) -> Image.Image:
    """The decoded `image` with its EXIF orientation applied to the pixels
    (in place: no second full-size copy) and no metadata but the colour
    profile (and a palette's transparency, an animation's timing)."""
    fmt = "JPEG" if image.format == "MPO" else image.format
    kept: dict = {k: v for k, v in image.info.items() if k in _KEPT_INFO}
    ImageOps.exif_transpose(image, in_place=True)
    upright = _eight_bit(image)
    upright.info = dict(kept)
    upright.format = fmt
    return upright


def page_sizes(image: Image.Image, ext: str) -> dict[str, bytes]:
    """The page sizes of a cleaned image: {"<width>.<ext>": bytes} for each
    of WIDTHS narrower than the image, as WebP and (for JPEG and PNG) in the
    original format too. Each size is made from the next larger one
    (Pillow's reduce() first, then Lanczos), so the work after decoding is a
    fraction of one full-size pass and at most one full-size copy is held."""
    if ext not in ("jpg", "png", "webp"):
        return {}
    formats = {"webp": "WEBP", ext: "JPEG" if ext == "jpg" else ext.upper()}
    made: dict[str, bytes] = {}
    current = image
    for width in sorted((w for w in WIDTHS if w < image.width), reverse=True):
        height = max(1, round(image.height * width / image.width))
        current = current.resize(
            (width, height), Image.Resampling.LANCZOS, reducing_gap=3.0
        )
        current.info = dict(image.info)
        for out_ext, fmt in formats.items():
            made[f"{width}.{out_ext}"] = encode(current, fmt)
    return made


def encode(image: Image.Image, fmt: str) -> bytes:
    """`image` (cleaned) written as `fmt`, with no metadata but its colour
    profile; JPEG quality 85 progressive, WebP quality 82."""
    out = io.BytesIO()
    icc = image.info.get("icc_profile")
    extra: dict = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = _flatten_for_jpeg(image)
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True, **extra)
    elif fmt == "PNG":
        if "transparency" in image.info:
            extra["transparency"] = image.info["transparency"]
        image.save(out, "PNG", **extra)
    elif fmt == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            has_alpha = (
                image.mode in ("LA", "PA", "RGBA") or "transparency" in image.info
            )
            image = image.convert("RGBA" if has_alpha else "RGB")
        image.save(out, "WEBP", quality=82, method=4, **extra)
    elif fmt == "GIF":
        frames = getattr(image, "n_frames", 1)
        options = {k: image.info[k] for k in ("duration", "loop", "transparency")
                   if k in image.info}  # fmt: skip
        image.save(out, "GIF", save_all=frames > 1, **options)
    elif fmt == "ICO":
        image.save(out, "ICO")
    else:  # pragma: no cover - formats are checked before
        raise InvalidInput(f"不支持的图片格式 {fmt}")
    return out.getvalue()


def _flatten_for_jpeg(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def clean_bytes(image: Image.Image) -> tuple[str, bytes, Image.Image]:
    """(extension, stored bytes, cleaned image) for a decoded upload: the
    same format, re-encoded without metadata (see clean_image). An animated
    GIF or WebP keeps its frames."""
    fmt = "JPEG" if image.format == "MPO" else image.format or "PNG"
    if fmt in ("GIF", "WEBP") and getattr(image, "n_frames", 1) > 1:
        return _animated(image, fmt)
    cleaned = clean_image(image)
    return IMAGE_FORMATS[fmt], encode(cleaned, fmt), cleaned


def _animated(image: Image.Image, fmt: str) -> tuple[str, bytes, Image.Image]:
    """An animation re-encoded frame by frame (metadata dropped)."""
    out = io.BytesIO()
    first = image.copy()
    options: dict = {k: image.info[k] for k in ("duration", "loop") if k in image.info}
    if fmt == "GIF":
        image.save(out, "GIF", save_all=True, **options)
    else:
        image.save(out, "WEBP", save_all=True, quality=82, **options)
    first.info = {}
    first.format = fmt
    return IMAGE_FORMATS[fmt], out.getvalue(), first


def key_for(data: bytes, ext: str) -> str:
    """The key of stored bytes: "ab/<32 hex of their SHA-256>.<ext>"."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest[:32]}.{ext}"


def size_key(key: str, width: int, ext: str) -> str:
    """The key of one page size of the stored image `key`."""
    stem = KEY_RE.fullmatch(key)
    if stem is None:
        raise ValueError(key)
    return f"{stem['stem']}-{width}.{ext}"


def put_file(key: str, data: bytes) -> None:
    """Store `data` under `key` unless it is there already (keys are hashes)."""
    store = media_store()
    if not store.exists(key):
        store.put(key, data, CONTENT_TYPES[key.rsplit(".", 1)[1]])


def store_image(
    data: bytes,
    max_bytes: int = MAX_UPLOAD_BYTES,
    checked: Image.Image | None = None,
    formats: tuple[str, ...] = tuple(IMAGE_FORMATS),
) -> str:
    """Check `data` as an image (see load_image), clean it (orientation
    applied, metadata dropped) and store the cleaned image; returns its key
    ("ab/<32 hex>.png"). Storing the same image twice gives the same key and
    one file. InvalidInput leaves nothing behind. `checked` is what
    load_image already gave for these very bytes (with the caller's stricter
    limits): then they are not decoded a second time."""
    image = checked if checked is not None else load_image(data, max_bytes, formats)
    ext, cleaned, _ = clean_bytes(image)
    key = key_for(cleaned, ext)
    put_file(key, cleaned)
    return key


@dataclass
class StoredFile:
    """What the media route serves: bytes or a local path, and the type."""

    content_type: str
    path: Path | None = None  # on a local store
    data: bytes | None = None
    extra: dict = field(default_factory=dict)


def media_file(key: str) -> StoredFile:
    """The stored file of `key`; NotFound for a malformed or unknown key.
    The content type comes from the key's extension, which the CMS chose
    from the decoded format (never from an upload's name or request)."""
    match = KEY_RE.fullmatch(key or "")
    if match is None:
        raise NotFound(key)
    store = media_store()
    content_type = CONTENT_TYPES[match["ext"]]
    path = store.local_path(key)
    if path is not None:
        return StoredFile(content_type, path=path)
    data = store.get(key)
    if data is None:
        raise NotFound(key)
    return StoredFile(content_type, data=data)
