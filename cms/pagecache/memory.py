"""The page cache in this process: entries in an LRU dict bounded by bytes,
a tag index, and an append-only file through which the workers of one
server share every drop."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from cms.pagecache.backends import Entry, Lookup, Ticket


@dataclass
class _Sync:
    """The append-only file the workers of one server share: each drop is one
    line ("T tag", "G" for everything, "E ts" for a scheduled end). A worker
    reads the lines it has not seen before each lookup (one stat when none)."""

    path: Path | None
    inode: int = -1
    offset: int = 0
    rotate_bytes: int = 1 << 20
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(exist_ok=True)
        st = self.path.stat()
        self.inode, self.offset = st.st_ino, st.st_size

    def append(self, lines: list[str]) -> None:
        if self.path is None:
            return
        data = "".join(line + "\n" for line in lines).encode()
        with self._lock:
            if self.path.exists() and self.path.stat().st_size > self.rotate_bytes:
                # A fresh file (new inode): every worker drops everything once.
                tmp = self.path.with_suffix(".new")
                tmp.write_bytes(b"G\n")
                os.replace(tmp, self.path)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)

    def unseen(self) -> list[str] | None:
        """New lines since the last call; None when the file was replaced
        (drop everything)."""
        if self.path is None:
            return []
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return []
        if st.st_ino == self.inode and st.st_size == self.offset:
            return []
        with self._lock:
            if st.st_ino != self.inode or st.st_size < self.offset:
                self.inode, self.offset = st.st_ino, st.st_size
                return None
            with self.path.open("rb") as f:
                f.seek(self.offset)
                data = f.read()
            end = data.rfind(b"\n") + 1  # a line being written stays for later
            self.offset += end
            return data[:end].decode().splitlines()


class MemoryBackend:
    """Entries in an OrderedDict (least recently used first), at most
    `max_bytes` of bodies; a tag index; invalidations shared through `sync`."""

    def __init__(self, max_bytes: int, sync_path: Path | None = None) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._tags: dict[str, set[str]] = {}
        self._bytes = 0
        self._generation = 0
        self._sequence = 0
        self._ends_at: float | None = None
        self._lock = threading.RLock()
        self._sync = _Sync(sync_path)
        self._sync.start()

    # The local operations (no sync file).

    def _forget(self, key: str) -> Entry | None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return None
        self._bytes -= len(entry.body)
        for tag in entry.tags:
            keys = self._tags.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._tags[tag]
        return entry

    def _drop_tags_here(self, tags: set[str]) -> None:
        for tag in tags:
            for key in list(self._tags.get(tag, ())):
                self._forget(key)
        self._sequence += 1

    def _drop_all_here(self) -> None:
        self._entries = OrderedDict()
        self._tags = {}
        self._bytes = 0
        self._generation += 1
        self._sequence += 1
        self._ends_at = None

    def _end_all_at_here(self, when: float) -> None:
        if self._ends_at is None or when < self._ends_at:
            self._ends_at = when
        self._sequence += 1

    def _catch_up(self) -> None:
        lines = self._sync.unseen()
        if lines is None:
            self._drop_all_here()
            return
        for line in lines:
            kind, _, arg = line.partition(" ")
            if kind == "T":
                self._drop_tags_here({arg})
            elif kind == "G":
                self._drop_all_here()
            elif kind == "E":
                self._end_all_at_here(float(arg))

    # The Backend protocol.

    def lookup(self, key: str, now: float) -> Lookup:
        with self._lock:
            self._catch_up()
            ended = self._ends_at is not None and now >= self._ends_at
            if ended:
                self._drop_all_here()
            entry = self._entries.get(key)
            if entry is not None and entry.expires_at <= now:
                self._forget(key)
                entry = None
            if entry is not None:
                self._entries.move_to_end(key)
            return Lookup(entry, Ticket(self._generation, self._sequence), ended)

    def store(self, key: str, entry: Entry, ticket: Ticket) -> bool:
        with self._lock:
            self._catch_up()
            if ticket != Ticket(self._generation, self._sequence):
                return False
            if self._ends_at is not None:
                entry.expires_at = min(entry.expires_at, self._ends_at)
            self._forget(key)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            for tag in entry.tags:
                self._tags.setdefault(tag, set()).add(key)
            while self._bytes > self.max_bytes and self._entries:
                self._forget(next(iter(self._entries)))
            return True

    def ticket_now(self) -> Ticket:
        """The invalidation state now (a later drop changes it)."""
        with self._lock:
            self._catch_up()
            return Ticket(self._generation, self._sequence)

    def drop_tags(self, tags: set[str]) -> None:
        with self._lock:
            self._sync.append([f"T {tag}" for tag in sorted(tags)])
            self._drop_tags_here(tags)

    def drop_all(self) -> None:
        with self._lock:
            self._sync.append(["G"])
            self._drop_all_here()

    def end_all_at(self, when: float) -> None:
        with self._lock:
            self._sync.append([f"E {when:.3f}"])
            self._end_all_at_here(when)

    def __len__(self) -> int:
        return len(self._entries)
