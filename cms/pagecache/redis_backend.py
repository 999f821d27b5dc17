"""The page cache in Redis: one cache and one invalidation for every server;
each operation is one Lua script (one round trip, atomic)."""

from __future__ import annotations

import json
import time
from typing import Any

from cms.pagecache.backends import Entry, Lookup, Ticket

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


def _encode(entry: Entry) -> bytes:
    """An entry as Redis keeps it: one JSON line of metadata, then the body
    (data only: nothing read back from Redis can run code)."""
    meta = {
        "status": entry.status, "headers": entry.headers, "etag": entry.etag,
        "stored_at": entry.stored_at, "expires_at": entry.expires_at,
        "tags": sorted(entry.tags), "view": entry.view, "views": entry.views,
        "token": entry.token, "sidebar": entry.sidebar,
    }  # fmt: skip
    return json.dumps(meta, ensure_ascii=True).encode() + b"\n" + entry.body


def _decode(blob: bytes) -> Entry:
    head, _, body = blob.partition(b"\n")
    meta = json.loads(head)
    return Entry(
        status=meta["status"],
        headers=[(name, value) for name, value in meta["headers"]],
        body=body,
        etag=meta["etag"],
        stored_at=meta["stored_at"],
        expires_at=meta["expires_at"],
        tags=frozenset(meta["tags"]),
        view=meta["view"],
        views=int(meta.get("views", -1)),
        token=bool(meta.get("token", False)),
        sidebar=bool(meta.get("sidebar", False)),
    )


class RedisBackend:
    """Entries as blobs (`_encode`) with a TTL, tag sets, a generation and an
    invalidation sequence, each operation one Lua script (one round trip,
    atomic). Every server shares them."""

    def __init__(self, url: str, prefix: str = "cms:pc:") -> None:
        import redis

        self.prefix = prefix
        # A Redis that does not answer soon is a miss (the page is rendered).
        self.client = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        self._lookup = self.client.register_script(_LOOKUP)
        self._store = self.client.register_script(_STORE)
        self._drop = self.client.register_script(_DROP)
        self._keys = [prefix + "gen", prefix + "seq", prefix + "ends"]

    def lookup(self, key: str, now: float) -> Lookup:
        gen, seq, ended, blob = self._lookup(
            keys=self._keys, args=[self.prefix, key, f"{now:.3f}"]
        )
        entry = _decode(blob) if blob else None
        if entry is not None and entry.expires_at <= now:
            entry = None
        return Lookup(entry, Ticket(int(gen), int(seq)), bool(ended))

    def store(self, key: str, entry: Entry, ticket: Ticket) -> bool:
        ends = self.client.get(self._keys[2])
        if ends is not None:
            entry.expires_at = min(entry.expires_at, float(ends))
        ttl_ms = max(1, int((entry.expires_at - time.time()) * 1000))
        args: list[Any] = [self.prefix, key, _encode(entry), ttl_ms]
        args += [ticket.generation, ticket.sequence, *sorted(entry.tags)]
        return bool(self._store(keys=self._keys[:2], args=args))

    def ticket_now(self) -> Ticket:
        gen, seq = self.client.mget(self._keys[:2])
        return Ticket(int(gen or 0), int(seq or 0))

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
