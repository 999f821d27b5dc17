"""What a page-cache backend keeps and promises. Two backends: in this
process (cms.pagecache.memory: bounded, LRU, kept in step with the other
workers of the server through a small append-only file), or Redis
(cms.pagecache.redis_backend: one cache and one invalidation for every
server).

Both keep, per entry, the answer and its tags; dropping a tag drops every
entry that carries it, dropping everything is one generation bump (O(1)).
A store is refused when anything was dropped since the lookup that missed
(`Ticket`): a page rendered from rows read before a change can never be kept
after the change's drop has run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Entry:
    """One cached answer. `view` is the public id of the article whose view
    a hit counts ("" for other pages); `views` the count the page showed when
    it was rendered, cut out of `body` (cms.pagecache.counts), or -1 when the
    body has no count to fill in; `token` that the comment form's token is cut
    out too; `sidebar` that the sidebar is cut out (cms.pagecache.fragments).
    `parts` is `body` cut at those slots, made at the first hit and kept with
    the entry (cms.pagecache.counts.filled); never stored by a backend."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    stored_at: float
    expires_at: float
    tags: frozenset[str] = frozenset()
    view: str = ""
    views: int = -1
    token: bool = False
    sidebar: bool = False
    parts: list[bytes] | None = field(default=None, compare=False, repr=False)


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

    def ticket_now(self) -> Ticket: ...

    def end_all_at(self, when: float) -> None: ...
