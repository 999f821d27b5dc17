"""The stored media files (article images and their sizes, logo, favicon,
avatars, payment QR codes) carried by the JSON export and by backups, so a
site moved or restored shows its pictures.

Guarantees:
- `stored_files` yields every file of the media store (local folder or S3
  bucket) in key order, one at a time (memory holds one file).
- `file_digest` is the SHA-256 a file is recorded with; `check_file`
  accepts only a well-formed media key (a key inside an export or backup
  is untrusted: no path, no other extension) with bytes matching the
  recorded digest, InvalidInput naming the key otherwise; `restore_file`
  checks, then stores (nothing is written for a refused file).
- `write_to_zip` / `read_from_zip`: a backup's `media/` folder.
- Restoring is idempotent: a file already stored under its key is left.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator

from cms.services.errors import InvalidInput
from cms.services.media import CONTENT_TYPES, KEY_RE
from cms.services.media_store import media_store

ZIP_FOLDER = "media/"  # the stored files, by key, inside a backup's zip


def file_digest(data: bytes) -> str:
    """The SHA-256 (hex) a media file is recorded with."""
    return hashlib.sha256(data).hexdigest()


def stored_keys() -> list[str]:
    """Every key the media store holds, sorted."""
    keys = media_store().keys()  # noqa: SIM118 (a store, not a dict)
    return sorted(key for key in keys if KEY_RE.fullmatch(key))


def stored_files() -> Iterator[tuple[str, bytes]]:
    """(key, bytes) of every stored file, in key order; a file deleted
    meanwhile is passed over."""
    store = media_store()
    for key in stored_keys():
        data = store.get(key)
        if data is not None:
            yield key, data


def check_file(key: str, data: bytes, digest: str) -> None:
    """InvalidInput, naming the key, for a malformed media key or bytes that
    do not match the recorded `digest`."""
    if KEY_RE.fullmatch(key or "") is None:
        raise InvalidInput(f"媒体文件名不合规：{key!r}")
    if file_digest(data) != digest:
        raise InvalidInput(f"媒体文件 {key} 与记录的校验值不符（文件已损坏？）")


def restore_file(key: str, data: bytes, digest: str) -> bool:
    """Store one file from an export or backup; True when it was written,
    False when the store had it already. InvalidInput as check_file says."""
    check_file(key, data, digest)
    store = media_store()
    if store.exists(key):
        return False
    store.put(key, data, CONTENT_TYPES[key.rsplit(".", 1)[1]])
    return True


def write_to_zip(archive: zipfile.ZipFile) -> dict[str, str]:
    """Every stored file into a backup's zip under `media/` (stored as is:
    images are compressed already); their SHA-256 by key, for its manifest."""
    digests = {}
    for key, data in stored_files():
        archive.writestr(ZIP_FOLDER + key, data, zipfile.ZIP_STORED)
        digests[key] = file_digest(data)
    return digests


def read_from_zip(
    archive: zipfile.ZipFile, digests: dict[str, str]
) -> Iterator[tuple[str, bytes, str]]:
    """(key, bytes, recorded digest) of each file a backup's manifest names;
    InvalidInput when one is missing from the zip."""
    for key, digest in sorted(digests.items()):
        try:
            data = archive.read(ZIP_FOLDER + key)
        except KeyError:
            raise InvalidInput(f"备份缺少媒体文件 {key}") from None
        yield key, data, digest
