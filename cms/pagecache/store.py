"""PAGE_STORE: anonymous pages written as files for nginx to serve itself.

Layout under the PAGE_STORE directory:
- `www/` is nginx's root for pages: `/` is `www/index.html`, `/x.html` is
  `www/x.html`, `/category/a/` is `www/category/a/index.html`, `/feed.xml` is
  `www/feed.xml`; only paths without a query string are written;
- `tags/<tag>/<name>` lists, one file per page, which page files carry the
  tag, so that any worker (or server sharing the directory) can remove the
  files of a tag, whoever wrote them.

Every file is written to a temporary name and renamed, so nginx never reads
half a page. Dropping everything renames both folders away and removes them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from pathlib import Path
from urllib.parse import quote

BEACON = '<script src="/static/js/view-beacon.js" data-view="{pid}" defer></script>'


def file_for(path: str) -> str | None:
    """The file (relative to www/) for a request path, or None for a path
    that cannot be stored safely (dot segments, a NUL, no leading slash)."""
    if not path.startswith("/") or "\x00" in path or "\\" in path:
        return None
    parts = path.split("/")
    if any(p in (".", "..") or p.startswith(".") for p in parts):
        return None
    return path[1:] + "index.html" if path.endswith("/") else path[1:]


class PageStore:
    """The files of the page store; every method is safe to call from several
    processes at once."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.www = self.root / "www"
        self.tags = self.root / "tags"
        self.www.mkdir(parents=True, exist_ok=True)
        self.tags.mkdir(parents=True, exist_ok=True)

    def _atomic_write(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{target.name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, target)

    def write(self, path: str, body: bytes, tags: frozenset[str], view: str) -> bool:
        """Write the page of `path` and record its tags; an article's page
        gets the view beacon (nginx's hits never reach the app)."""
        name = file_for(path)
        if name is None:
            return False
        if view:
            beacon = BEACON.format(pid=view).encode()
            body = body.replace(b"</body>", beacon + b"\n</body>", 1)
        handle = hashlib.blake2b(name.encode(), digest_size=12).hexdigest()
        for tag in tags:
            self._atomic_write(self.tags / quote(tag, safe="") / handle, name.encode())
        self._atomic_write(self.www / name, body)
        return True

    def drop_tags(self, tags: set[str]) -> None:
        """Remove the page files of every tag (and the tag lists)."""
        for tag in tags:
            folder = self.tags / quote(tag, safe="")
            try:
                handles = list(folder.iterdir())
            except FileNotFoundError:
                continue
            for handle in handles:
                try:
                    name = handle.read_text()
                except FileNotFoundError:
                    continue
                (self.www / name).unlink(missing_ok=True)
                handle.unlink(missing_ok=True)

    def drop_all(self) -> None:
        """Remove every file (the folders are renamed away first, so nginx
        sees either the old page or none)."""
        stamp = f"{os.getpid()}-{time.monotonic_ns()}"
        for folder in (self.www, self.tags):
            old = folder.with_name(f".{folder.name}-old-{stamp}")
            with contextlib.suppress(FileNotFoundError):
                os.rename(folder, old)
            folder.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(old, ignore_errors=True)

    def age_of(self, path: str) -> float | None:
        """Seconds since the file of `path` was written; None without one."""
        name = file_for(path)
        if name is None:
            return None
        try:
            return time.time() - (self.www / name).stat().st_mtime
        except FileNotFoundError:
            return None

    def remove(self, path: str) -> None:
        """Remove the file of one path (its tag lists are left: harmless)."""
        name = file_for(path)
        if name is not None:
            (self.www / name).unlink(missing_ok=True)
