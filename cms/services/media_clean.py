"""Cleaning the files stored before uploads were cleaned (`flask cms
clean-media`, part of the upgrade): every stored image that still carries
metadata (EXIF with a GPS position, XMP, comments, text chunks) is
re-encoded the way new uploads are (orientation applied, metadata dropped),
and what refers to it (avatars, logo, favicon) is moved to the new key; the
old file is deleted. A stored file that is not a safe image any more (a
polyglot accepted by an older version) is deleted and its references
cleared. Running it again changes nothing."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from cms.database import write_transaction
from cms.events import SettingsChanged, UserChanged, emit
from cms.extensions import db
from cms.models import Setting, User
from cms.services.audit import record
from cms.services.errors import InvalidInput
from cms.services.media import IMAGE_FORMATS, KEY_RE, load_image, store_image
from cms.services.media_store import media_store

# Settings whose value is a media key.
MEDIA_SETTINGS = ("site.logo", "site.favicon")
# Files already stored are judged by generous limits: they were accepted once.
_STORED_MAX_BYTES = 64 * 1024 * 1024
_STORED_MAX_PIXELS = 100_000_000
_METADATA = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "iptc")


def needs_cleaning(data: bytes) -> bool:
    """Whether a stored image carries metadata (or is not readable as one).
    Lossless formats (PNG, GIF, ICO) are always re-encoded: doing it again
    gives the same bytes, so the key does not move."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format in ("PNG", "GIF", "ICO"):
                return True
            return bool(image.getexif()) or any(k in image.info for k in _METADATA)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return True


@dataclass
class CleanReport:
    """What a run did: keys checked, re-encoded (old -> new), deleted."""

    checked: int = 0
    moved: dict[str, str] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)


def _references() -> dict[str, list[tuple[str, object]]]:
    """key -> [("user", User) | ("setting", Setting)] for every stored reference."""
    refs: dict[str, list[tuple[str, object]]] = {}
    for user in db.session.scalars(select(User).where(User.avatar != "")):
        refs.setdefault(user.avatar, []).append(("user", user))
    for row in db.session.scalars(
        select(Setting).where(Setting.key.in_(MEDIA_SETTINGS))
    ):
        if row.value:
            refs.setdefault(row.value, []).append(("setting", row))
    return refs


def clean_stored_media(skip: frozenset[str] = frozenset()) -> CleanReport:
    """Re-encode every stored original that needs it (see module doc);
    `skip`: keys known clean (article media, made by this version)."""
    store = media_store()
    report = CleanReport()
    changed_users: set[int] = set()
    changed_settings: set[str] = set()
    with write_transaction():
        refs = _references()
        for key in list(store.keys()):
            match = KEY_RE.fullmatch(key)
            if match is None or match["width"] or key in skip:
                continue
            report.checked += 1
            data = store.get(key)
            if data is None or not needs_cleaning(data):
                continue
            try:
                image = load_image(
                    data, _STORED_MAX_BYTES, tuple(IMAGE_FORMATS), _STORED_MAX_PIXELS
                )
                new_key = store_image(data, checked=image)
            except InvalidInput:
                new_key = ""
            if new_key == key:
                continue
            for kind, row in refs.get(key, []):
                if kind == "user":
                    row.avatar = new_key  # type: ignore[attr-defined]
                    changed_users.add(row.id)  # type: ignore[attr-defined]
                else:
                    row.value = new_key  # type: ignore[attr-defined]
                    changed_settings.add(row.key)  # type: ignore[attr-defined]
            if new_key:
                report.moved[key] = new_key
            else:
                report.deleted.append(key)
        if report.moved or report.deleted:
            record(None, "media-clean", "media", [],
                   {"moved": report.moved, "deleted": report.deleted})  # fmt: skip
            for user_id in sorted(changed_users):
                emit(UserChanged(user_id, frozenset({"avatar"})))
            if changed_settings:
                emit(SettingsChanged(frozenset(changed_settings)))
    # Old files go once the references to them are committed.
    for key in [*report.moved, *report.deleted]:
        store.delete(key)
    return report
