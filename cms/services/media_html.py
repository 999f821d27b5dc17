"""Article images in HTML: an <img> that shows one of our stored images
gets its page sizes (`srcset`/`sizes`, WebP first in a <picture>), its
width and height (no layout shift) and lazy loading. Runs on the sanitised
HTML (cms.text.markdown), so everything added here is built from our own
rows and escaped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape, unescape
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_, select

from cms.extensions import db
from cms.models import MediaFile
from cms.services.media import KEY_RE

# The rendered column: the page's width less its padding, at most 40rem.
SIZES = "(max-width: 46rem) calc(100vw - 2.5rem), 40rem"
_IMG = re.compile(r"<img(\s[^>]*)?>")
_ATTRIBUTE = re.compile(r'\s+([^\s=>]+)(?:="([^"]*)")?')
_MEDIA_PATH = re.compile(r"/media/(" + KEY_RE.pattern + r")")


def _stem_of(src: str) -> str | None:
    """The stored image's stem ("ab/<32 hex>") an <img src> points at, when
    it is one of ours (a path, or a URL on SITE_URL's host)."""
    parts = urlsplit(unescape(src))
    if parts.netloc:
        site = urlsplit(current_app.config["SITE_URL"]).netloc
        if parts.netloc != site:
            return None
    match = _MEDIA_PATH.fullmatch(parts.path)
    return match["stem"] if match else None


def images_of(stems: Iterable[str]) -> dict[str, MediaFile]:
    """stem -> stored image, for the stems given (one query)."""
    wanted = set(stems)
    if not wanted:
        return {}
    like = [MediaFile.key.startswith(stem + ".") for stem in wanted]
    rows = db.session.scalars(select(MediaFile).where(or_(*like)))
    return {row.key.rsplit(".", 1)[0]: row for row in rows}


def _srcset(media: MediaFile, ext: str, with_original: bool) -> str:
    stem = media.key.rsplit(".", 1)[0]
    items = [f"/media/{stem}-{w}.{ext} {w}w" for w in media.size_list]
    if with_original:
        items.append(f"/media/{media.key} {media.width}w")
    return ", ".join(items)


def picture_html(media: MediaFile, attributes: dict[str, str]) -> str:
    """The markup for one stored image; `attributes` are the <img>'s own
    (alt, title) as sanitised, still escaped."""
    stem = media.key.rsplit(".", 1)[0]
    fallback = [w for w in media.size_list if w <= 960]
    src = (
        f"/media/{stem}-{fallback[-1]}.{media.ext}"
        if fallback
        else f"/media/{media.key}"
    )
    if media.ext == "webp" and media.size_list:
        src = f"/media/{stem}-{fallback[-1]}.webp" if fallback else src
    keep = "".join(
        f' {name}="{value}"' for name, value in attributes.items()
        if name in ("alt", "title")
    )  # fmt: skip
    img = (
        f'<img src="{escape(src)}"{keep} width="{media.width}" '
        f'height="{media.height}" loading="lazy" decoding="async"'
    )
    if not media.size_list:
        return img + ">"
    img += f' srcset="{_srcset(media, media.ext, True)}" sizes="{SIZES}">'
    if media.ext == "webp":
        return img
    source = (
        f'<source type="image/webp" srcset="{_srcset(media, "webp", False)}" '
        f'sizes="{SIZES}">'
    )
    return f"<picture>{source}{img}</picture>"


def add_image_sizes(html: str) -> str:
    """`html` with each <img> of a stored image rewritten by picture_html
    (one query for all of them); other images are left as they are."""
    found: dict[str, list[re.Match[str]]] = {}
    for match in _IMG.finditer(html):
        attributes = dict(_ATTRIBUTE.findall(match.group(1) or ""))
        stem = _stem_of(attributes.get("src", ""))
        if stem:
            found.setdefault(stem, []).append(match)
    if not found:
        return html
    rows = images_of(found)

    def rewrite(match: re.Match[str]) -> str:
        attributes = dict(_ATTRIBUTE.findall(match.group(1) or ""))
        stem = _stem_of(attributes.get("src", ""))
        media = rows.get(stem or "")
        return picture_html(media, attributes) if media else match.group(0)

    return _IMG.sub(rewrite, html)
