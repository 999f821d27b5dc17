"""The stored media files (article images and their sizes, logo, favicon,
avatars, payment QR codes) carried by the JSON export and by backups, so a
site moved or restored shows its pictures.

Guarantees:
- `stored_files` yields every file of the media store (local folder or S3
  bucket) in key order, one at a time (memory holds one file).
- `file_digest` is the SHA-256 a file is recorded with; `restore_file`
  accepts only a well-formed media key (a key inside an export or backup
  is untrusted: no path, no other extension), checks the bytes against the
  recorded digest and stores them; InvalidInput names the key otherwise,
  and nothing is written for that file.
- Restoring is idempotent: a file already stored under its key is left.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from cms.services.errors import InvalidInput
from cms.services.media import CONTENT_TYPES, KEY_RE
from cms.services.media_store import media_store


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


def restore_file(key: str, data: bytes, digest: str) -> bool:
    """Store one file from an export or backup; True when it was written,
    False when the store had it already. InvalidInput for a malformed key
    or bytes that do not match `digest`."""
    match = KEY_RE.fullmatch(key or "")
    if match is None:
        raise InvalidInput(f"媒体文件名不合规：{key!r}")
    if file_digest(data) != digest:
        raise InvalidInput(f"媒体文件 {key} 与记录的校验值不符（文件已损坏？）")
    store = media_store()
    if store.exists(key):
        return False
    store.put(key, data, CONTENT_TYPES[match["ext"]])
    return True
