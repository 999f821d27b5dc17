"""Local image files brought into the media library by the importers: the
WordPress import's attachments (`flask cms import-wxr FILE --uploads DIR`,
DIR a local copy of wp-content/uploads) and the Markdown import's images
referenced by relative path.

Guarantees:
- `file_under` never gives a file outside its root (`..`, absolute paths
  and links leading out are refused).
- `store_file` stores an image through `media_library.store_upload`, the
  editors' upload path, with every check and cleaning it does (content
  sniffing, size limits, EXIF and GPS removed), or raises InvalidInput with
  the reason and stores nothing.
- An attachment's file is looked up under DIR by its path inside the
  uploads folder (`_wp_attached_file`, else the part of its URL after
  `wp-content/uploads/`, else after a `YYYY/MM/` pair) and stored with
  `store_file`, owned by the attachment's author. A missing, non-image or
  refused file is reported as skipped with its reason, and its remote URL
  stays in the bodies.
- `rewrite` points every src/href at a stored attachment's URL (http or
  https, or one of WordPress's resized copies `name-300x200.jpg` of it) to
  /media/<key>; the page then gives it our own sizes (cms.services.media_html).
- A second run stores nothing again: each attachment is remembered per
  source site (ImportKey), like every other imported item.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import MediaFile
from cms.services import import_store
from cms.services.errors import InvalidInput
from cms.services.imports import Summary
from cms.services.media_library import store_upload, upload_limits
from cms.text.wxr import Item

KIND = "附件"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
_UPLOADS = re.compile(r"/wp-content/uploads/(.+)$")
_YEAR_MONTH = re.compile(r"/(\d{4}/\d{2}/[^/]+)$")
_RESIZED = re.compile(r"-\d{1,5}x\d{1,5}(?=\.[A-Za-z0-9]+$)")
_URL_ATTRIBUTE = re.compile(r"""(\s(?:src|href)=)(["'])([^"'<>]*)\2""", re.I)


def file_under(root: Path, relative: str) -> Path | None:
    """The file `relative` names under `root` (resolved), or None when there
    is none or it would lie outside `root`."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts:
        return None
    base = root.resolve()
    path = (base / pure).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def store_file(path: Path, uploader_id: int, alt: str = "") -> tuple[int, str]:
    """Store the image file at `path` for `uploader_id`; its media id and
    its URL here (/media/<key>). InvalidInput (nothing stored) when it is not an image
    the media library accepts."""
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InvalidInput("不是图片（媒体库只收图片）")
    with open(path, "rb") as stream:
        data = stream.read(upload_limits()[0] + 1)  # more is refused
    owner = store_upload(data, uploader_id, name=path.name, alt=alt)
    return owner.media_id, f"/media/{owner.media.key}"


def relative_path(item: Item) -> str | None:
    """Where an attachment's file sits under the uploads folder, or None."""
    attached = item.meta.get("_wp_attached_file", "").strip()
    if attached:
        return attached
    path = unquote(urlsplit(item.attachment_url).path)
    match = _UPLOADS.search(path) or _YEAR_MONTH.search(path)
    return match.group(1) if match else None


def _url_key(url: str) -> str:
    """A URL without its scheme, for matching http and https alike."""
    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{unquote(parts.path)}"


class UploadsFolder:
    """Attachments stored from one uploads folder during one import."""

    def __init__(self, root: Path, source: str, summary: Summary) -> None:
        self.root = root.resolve()
        self.source = source
        self.summary = summary
        self.urls: dict[str, str] = {}  # URL key -> /media/<key>
        self.by_id: dict[str, tuple[int, str]] = {}  # post id -> (media id, URL)

    def store_all(self, items: list[Item], author_id: Callable[[str], int]) -> None:
        """Store every attachment of `items` (see the module docstring)."""
        with write_transaction():
            known = import_store.known_keys(
                self.source, "attachment", [i.post_id for i in items]
            )
        for item in items:
            if item.post_id in known:
                self._remember(item, known[item.post_id])
                self.summary.unchanged[KIND] += 1
                continue
            reason = self._store(item, author_id)
            if reason:
                self.summary.skip(KIND, reason)
            else:
                self.summary.imported[KIND] += 1

    def _store(self, item: Item, author_id: Callable[[str], int]) -> str | None:
        """Store one attachment; the reason it was skipped, or None."""
        relative = relative_path(item)
        if relative is None:
            return "无法从地址得出文件在上传目录中的位置"
        if PurePosixPath(relative).suffix.lower() not in IMAGE_SUFFIXES:
            return "不是图片（媒体库只收图片），保留原站地址"
        path = file_under(self.root, relative)
        if path is None:
            return "上传目录中没有这个文件，保留原站地址"
        with write_transaction():
            uploader = author_id(item.creator)
        alt = item.meta.get("_wp_attachment_image_alt", "") or item.title
        try:
            media_id, _url = store_file(path, uploader, alt)
        except InvalidInput as exc:
            return f"文件不是可接受的图片（{exc}），保留原站地址"
        with write_transaction():
            import_store.remember_keys(
                self.source, "attachment", [(item.post_id, media_id)]
            )
        self._remember(item, media_id)
        return None

    def _remember(self, item: Item, media_id: int) -> None:
        key = db.session.scalar(select(MediaFile.key).where(MediaFile.id == media_id))
        if key is None:  # deleted from the library since the last run
            return
        url = f"/media/{key}"
        self.by_id[item.post_id] = (media_id, url)
        if item.attachment_url:
            self.urls[_url_key(item.attachment_url)] = url

    def url_of(self, post_id: str) -> str | None:
        """The stored URL of attachment `post_id`, when it was stored."""
        found = self.by_id.get(post_id)
        return found[1] if found else None

    def media_id_of(self, post_id: str) -> int | None:
        """The media id of attachment `post_id` (a post's featured image)."""
        found = self.by_id.get(post_id)
        return found[0] if found else None

    def local_url(self, url: str) -> str | None:
        """/media/<key> for a URL of a stored attachment or of one of
        WordPress's resized copies of it; None for any other URL."""
        key = _url_key(url)
        if key in self.urls:
            return self.urls[key]
        return self.urls.get(_RESIZED.sub("", key))

    def rewrite(self, html: str) -> str:
        """`html` with src/href of stored attachments pointing here."""
        if not self.urls:
            return html

        def swap(match: re.Match[str]) -> str:
            local = self.local_url(match.group(3))
            if local is None:
                return match.group(0)
            return f"{match.group(1)}{match.group(2)}{local}{match.group(2)}"

        return _URL_ATTRIBUTE.sub(swap, html)
