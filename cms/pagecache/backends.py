"""Where cached pages live: in this process (bounded, LRU, kept in step with
the other workers of the server through a small append-only file), or in
Redis (one cache and one invalidation for every server).

Both keep, per entry, the answer and its tags; dropping a tag drops every
entry that carries it, dropping everything is one generation bump (O(1)).
A store is refused when anything was dropped since the lookup that missed
(`Ticket`): a page rendered from rows read before a change can never be kept
after the change's drop has run.
"""

from __future__ import annotations

import os
import pickle
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass
class Entry:
    """One cached answer. `view` is the public id of the article whose view
    a hit counts ("" for other pages)."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    stored_at: float
    expires_at: float
    tags: frozenset[str] = frozenset()
    view: str = ""


@dataclass(frozen=True)
class Ticket:
    """What a miss remembers: the state of invalidation when it looked."""

    generation: int
    sequence: int


@dataclass
class Lookup:
    """A lookup's answer: the entry (None on a miss) and the ticket to store with."""

    entry: Entry | None
    ticket: Ticket
    ended: bool = False  # this lookup ended everything (a scheduled time came)


class Backend(Protocol):
    """What the page cache needs from a backend."""

    def lookup(self, key: str, now: float) -> Lookup: ...

    def store(self, key: str, entry: Entry, ticket: Ticket) -> bool: ...

    def drop_tags(self, tags: set[str]) -> None: ...

    def drop_all(self) -> None: ...

    def end_all_at(self, when: float) -> None: ...


# -- In this process ----------------------------------------------------------


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


# -- Redis --------------------------------------------------------------------

# KEYS: gen, seq, ends. ARGV: prefix, key, now.
_LOOKUP = """
local gen = tonumber(redis.call('GET', KEYS[1]) or '0')
local ends = redis.call('GET', KEYS[3])
local ended = 0
if ends and tonumber(ends) <= tonumber(ARGV[3]) then
  gen = redis.call('INCR', KEYS[1])
  redis.call('INCR', KEYS[2])
  redis.call('DEL', KEYS[3])
  ended = 1
end
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
local entry = redis.call('GET', ARGV[1] .. 'e:' .. gen .. ':' .. ARGV[2])
return {gen, seq, ended, entry or false}
"""
# KEYS: gen, seq. ARGV: prefix, key, blob, ttl_ms, gen0, seq0, tags...
_STORE = """
local gen = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
if gen ~= tonumber(ARGV[5]) or seq ~= tonumber(ARGV[6]) then return 0 end
local ekey = ARGV[1] .. 'e:' .. gen .. ':' .. ARGV[2]
redis.call('SET', ekey, ARGV[3], 'PX', ARGV[4])
for i = 7, #ARGV do
  local tkey = ARGV[1] .. 't:' .. gen .. ':' .. ARGV[i]
  redis.call('SADD', tkey, ekey)
  redis.call('PEXPIRE', tkey, 86400000)
end
return 1
"""
# KEYS: gen, seq. ARGV: prefix, tags...
_DROP = """
local gen = tonumber(redis.call('GET', KEYS[1]) or '0')
for i = 2, #ARGV do
  local tkey = ARGV[1] .. 't:' .. gen .. ':' .. ARGV[i]
  for _, ekey in ipairs(redis.call('SMEMBERS', tkey)) do
    redis.call('DEL', ekey)
  end
  redis.call('DEL', tkey)
end
return redis.call('INCR', KEYS[2])
"""


class RedisBackend:
    """Entries as pickled blobs with a TTL, tag sets, a generation and an
    invalidation sequence, each operation one Lua script (one round trip,
    atomic). Every server shares them."""

    def __init__(self, url: str, prefix: str = "cms:pc:") -> None:
        import redis

        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_timeout=1.0)
        self._lookup = self.client.register_script(_LOOKUP)
        self._store = self.client.register_script(_STORE)
        self._drop = self.client.register_script(_DROP)
        self._keys = [prefix + "gen", prefix + "seq", prefix + "ends"]

    def lookup(self, key: str, now: float) -> Lookup:
        gen, seq, ended, blob = self._lookup(
            keys=self._keys, args=[self.prefix, key, f"{now:.3f}"]
        )
        entry: Entry | None = pickle.loads(blob) if blob else None  # noqa: S301
        if entry is not None and entry.expires_at <= now:
            entry = None
        return Lookup(entry, Ticket(int(gen), int(seq)), bool(ended))

    def store(self, key: str, entry: Entry, ticket: Ticket) -> bool:
        ends = self.client.get(self._keys[2])
        if ends is not None:
            entry.expires_at = min(entry.expires_at, float(ends))
        ttl_ms = max(1, int((entry.expires_at - time.time()) * 1000))
        args: list[Any] = [self.prefix, key, pickle.dumps(entry), ttl_ms]
        args += [ticket.generation, ticket.sequence, *sorted(entry.tags)]
        return bool(self._store(keys=self._keys[:2], args=args))

    def drop_tags(self, tags: set[str]) -> None:
        self._drop(keys=self._keys[:2], args=[self.prefix, *sorted(tags)])

    def drop_all(self) -> None:
        pipe = self.client.pipeline()
        pipe.incr(self._keys[0])
        pipe.incr(self._keys[1])
        pipe.delete(self._keys[2])
        pipe.execute()

    def end_all_at(self, when: float) -> None:
        ends = self.client.get(self._keys[2])
        if ends is None or when < float(ends):
            self.client.set(self._keys[2], f"{when:.3f}")
        self.client.incr(self._keys[1])
