"""What the system announces: the domain events, and how handlers hear them.

Read this module to learn what happens when content changes. A service
changes rows inside `cms.database.write_transaction()` and announces the
change with `emit(SomethingChanged(...))`; it never calls the code that
reacts. Handlers come in two kinds, registered in `create_app` (see
`cms.listeners`), never imported by services:

- in the transaction (`IN_TRANSACTION`): called at once by `emit`, inside the
  unit of work, so what they write commits or rolls back with the change.
  Derived numbers have one owner each here (an article's approved-comment
  count and the queue's tallies follow `CommentsChanged`).
- after commit (`AFTER_COMMIT`): called once the unit has committed, each
  event once; a rolled-back unit's events never reach them. Cache purges,
  waking the mail sender, indexing. A failing handler is logged and does not
  stop the others (the change is committed already).

Dispatch is blinker's (the signal library Flask itself uses): one signal per
event type and phase, with the application as sender, so two apps in one
process (tests) keep their handlers apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from blinker import NamedSignal, Namespace
from flask import Flask, current_app

from cms.database import in_unit_of_work, queue_event, set_dispatcher
from cms.extensions import db

log = logging.getLogger(__name__)

Phase = Literal["in_transaction", "after_commit"]
IN_TRANSACTION: Phase = "in_transaction"
AFTER_COMMIT: Phase = "after_commit"

_signals = Namespace()


class Event:
    """Base of the domain events (frozen dataclasses below)."""


@dataclass(frozen=True)
class ArticleChanged(Event):
    """An article was created, edited, published, unpublished, scheduled,
    trashed, restored or deleted. `fields` names what changed ("status",
    "title", "body", "category", "tags", "published_at", …; "created" for a
    new one, "deleted" for one removed for good); statuses are the
    ArticleStatus values before and after (None: did not exist)."""

    article_id: int
    fields: frozenset[str] = frozenset()
    before_status: str | None = None
    after_status: str | None = None
    public_id: str = ""


@dataclass(frozen=True)
class CommentMove:
    """One comment's status change: `before` None for a new comment, `after`
    None for one deleted for good. The comment is on the article
    `article_id`, or (that None) on the page `page_id`."""

    comment_id: int
    article_id: int | None
    before: str | None
    after: str | None
    page_id: int | None = None


# Where a change came from, when handlers must tell (imports send no mail).
IMPORT = "import"


@dataclass(frozen=True)
class CommentsChanged(Event):
    """Comments were added, moderated, edited, erased or deleted. `moves`
    holds every status change (the counters follow them); `ids` every comment
    touched, moved or not (an edit changes text only); `article_ids` the
    articles whose pages show them, `page_ids` the standalone pages that
    show them; `origin` is IMPORT for imported ones."""

    moves: tuple[CommentMove, ...] = ()
    ids: tuple[int, ...] = ()
    article_ids: tuple[int, ...] = ()
    origin: str = ""
    page_ids: tuple[int, ...] = ()

    @classmethod
    def of_moves(cls, moves: list[CommentMove], **extra: Any) -> CommentsChanged:
        """The event for `moves` (ids, articles and pages derived from them)."""
        ids = tuple(sorted({m.comment_id for m in moves} | set(extra.pop("ids", ()))))
        articles = {m.article_id for m in moves if m.article_id is not None}
        articles |= set(extra.pop("article_ids", ()))
        pages = {m.page_id for m in moves if m.page_id is not None}
        pages |= set(extra.pop("page_ids", ()))
        return cls(
            tuple(moves), ids, tuple(sorted(articles)), page_ids=tuple(sorted(pages)),
            **extra,
        )  # fmt: skip

    @classmethod
    def of_comments(cls, comments: Iterable[Any], **extra: Any) -> CommentsChanged:
        """The event for comments changed in place (no status move): their
        ids, and the articles and pages they are on."""
        listed = list(comments)
        return cls(
            ids=tuple(sorted(c.id for c in listed)),
            article_ids=tuple(sorted({c.article_id for c in listed
                                      if c.article_id is not None})),
            page_ids=tuple(sorted({c.page_id for c in listed
                                   if c.page_id is not None})),
            **extra,
        )  # fmt: skip


@dataclass(frozen=True)
class PageChanged(Event):
    """A standalone page was created, edited, published, trashed or moved."""

    page_id: int
    fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TaxonomyChanged(Event):
    """Categories or tags were created, renamed, moved, merged or deleted."""

    kind: Literal["category", "tag"]
    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class MenuChanged(Event):
    """The header menu or the friend links changed."""

    menu: str = ""


@dataclass(frozen=True)
class SettingsChanged(Event):
    """Site settings changed; `keys` names them."""

    keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WordRulesChanged(Event):
    """Word rules (cms.services.wordrule_store) were added, edited, removed or
    imported; `ids` names them (empty: too many to list). Pages whose
    filtered text may differ follow it (re-application is an editor's
    action, cms.services.article_words)."""

    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class UserChanged(Event):
    """An account changed (profile, pay links, role, activation, password);
    `fields` names what."""

    user_id: int
    fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MediaChanged(Event):
    """Uploaded files were added or deleted. `ids` are media_files rows,
    `keys` the stored files' keys (sizes included for a deletion);
    `article_ids` the articles whose pages show them (pages to drop from a
    cache: their images changed); `deleted`: the files are gone."""

    ids: tuple[int, ...] = ()
    keys: tuple[str, ...] = ()
    article_ids: tuple[int, ...] = ()
    deleted: bool = False


@dataclass(frozen=True)
class RelatedChanged(Event):
    """Stored related-article lists were recomputed; `article_ids` names the
    articles whose pages show a changed list."""

    article_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ContentImported(Event):
    """A batch of an import (WordPress, Markdown) added articles and pages:
    one event per batch instead of an ArticleChanged / PageChanged each.
    Handlers that keep something per article or page (page cache, search
    index, related lists) follow it as they follow those."""

    article_ids: tuple[int, ...] = ()
    page_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class MailQueued(Event):
    """Messages were written to the outbox; the sender should wake."""

    count: int = 1


def _signal(event_type: type[Event], phase: Phase) -> NamedSignal:
    return _signals.signal(f"{event_type.__name__}:{phase}")


def subscribe(
    app: Flask,
    event_type: type[Event],
    handler: Callable[[Any], None],
    phase: Phase = AFTER_COMMIT,
) -> None:
    """Call `handler(event)` for every `event_type` event of `app`, in the
    given phase. Registering the same handler twice changes nothing."""

    def receiver(_sender: Flask, *, event: Event) -> None:
        handler(event)

    # blinker keeps receivers by identity; keep ours alive and unique per
    # (app, type, phase, handler).
    key = (event_type, phase, handler)
    kept = app.extensions.setdefault("cms_event_receivers", {})
    if key in kept:
        return
    kept[key] = receiver
    _signal(event_type, phase).connect(receiver, sender=app, weak=False)


def unsubscribe(
    app: Flask,
    event_type: type[Event],
    handler: Callable[[Any], None],
    phase: Phase = AFTER_COMMIT,
) -> None:
    """Undo one `subscribe` (tests running code against an older schema)."""
    receiver = app.extensions.get("cms_event_receivers", {}).pop(
        (event_type, phase, handler), None
    )
    if receiver is not None:
        _signal(event_type, phase).disconnect(receiver, sender=app)


def unsubscribe_all(app: Flask) -> None:
    """Forget every handler of `app` (tests build many apps)."""
    for (event_type, phase, _), receiver in app.extensions.pop(
        "cms_event_receivers", {}
    ).items():
        _signal(event_type, phase).disconnect(receiver, sender=app)


def emit(event: Event) -> None:
    """Announce `event` from inside a write transaction: in-transaction
    handlers run now, after-commit handlers once the unit commits.
    RuntimeError outside a write transaction (nothing could commit it)."""
    if not in_unit_of_work():
        raise RuntimeError(f"emit({type(event).__name__}) outside write_transaction")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _signal(type(event), IN_TRANSACTION).send(app, event=event)
    queue_event(db.session(), event)


def send_after_commit(event: Event) -> None:
    """Run the after-commit handlers of one committed event; a failing handler
    is logged and the others still run."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    signal = _signal(type(event), AFTER_COMMIT)
    for receiver in signal.receivers_for(app):
        try:
            receiver(app, event=event)
        except Exception:
            log.exception("after-commit handler failed for %r", event)


set_dispatcher(send_after_commit)
