"""Where uploaded files live: one small interface, two backends, chosen by
MEDIA_URL (docs: README, "Media").

- unset or ``file:///path``: a folder on the local disk (default
  ``instance/media``); the app serves it, or nginx does (README's example).
- ``s3://bucket[/prefix]?endpoint=https://…&region=…``: any S3-compatible
  service (AWS S3, Alibaba Cloud OSS, Tencent COS, MinIO) through boto3, so
  several app servers share the files. Credentials come the usual boto3 way
  (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the instance's role).

Keys are relative names such as ``ab/<32 hex>.jpg``, made by the callers
from content hashes, so writing a key twice writes the same bytes: `put` is
idempotent and needs no locking between servers.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app


class MediaStore(Protocol):
    """What the media code needs from a storage backend."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key` (atomically: readers see all or nothing)."""

    def get(self, key: str) -> bytes | None:
        """The bytes of `key`, or None when there is no such file."""

    def exists(self, key: str) -> bool:
        """Whether `key` is stored."""

    def delete(self, key: str) -> None:
        """Remove `key` (no error when it is absent)."""

    def keys(self) -> Iterator[str]:
        """Every stored key."""

    def local_path(self, key: str) -> Path | None:
        """The file of `key` on this machine's disk (None: not a local store
        or no such file), for serving it without reading it into memory."""


class LocalStore:
    """Files under one folder; writes go to a temporary file then are renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield path.relative_to(self.root).as_posix()

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None


class S3Store:
    """Objects in an S3-compatible bucket, under an optional prefix."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint: str | None = None,
        region: str | None = None,
    ) -> None:
        import boto3  # only needed when MEDIA_URL says s3://
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            config=BotoConfig(
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def _name(self, key: str) -> str:
        return self.prefix + key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._name(key),
            Body=data,
            ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
        )

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix) :]

    def local_path(self, key: str) -> Path | None:
        return None


def store_from_url(url: str | None, instance_path: str) -> MediaStore:
    """The backend MEDIA_URL names (None or empty: instance/media)."""
    if not url:
        return LocalStore(Path(instance_path) / "media")
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if not parts.netloc:
            raise RuntimeError("MEDIA_URL s3:// needs a bucket name: s3://bucket")
        return S3Store(
            parts.netloc,
            unquote(parts.path),
            endpoint=query.get("endpoint"),
            region=query.get("region"),
        )
    raise RuntimeError(f"MEDIA_URL scheme {parts.scheme!r} is not supported")


def media_store() -> MediaStore:
    """The app's media backend (made once per app and MEDIA_URL)."""
    url = current_app.config.get("MEDIA_URL")
    cached = current_app.extensions.get("cms_media_store")
    if cached is None or cached[0] != url:
        cached = (url, store_from_url(url, current_app.instance_path))
        current_app.extensions["cms_media_store"] = cached
    return cached[1]
