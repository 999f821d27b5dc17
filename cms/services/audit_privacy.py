"""Commenters' personal data inside the audit log.

A `delete` entry of comments keeps a snapshot of every row it deleted, so
that an undo can put the rows back exactly (cms.services.moderation). Those
snapshots hold the commenter's e-mail address, IP address and browser, and
this module keeps them no longer than the live rows would, and no longer
than an undo can use them:

- Erasing a commenter (cms.services.commenters.erase_commenter) reaches
  every snapshot of the address's comments: e-mail, IP and browser are
  removed and name and site blanked, as on the live rows; when the comments
  themselves are erased, the snapshot goes too (the entry keeps only that
  the comment was deleted, and erased by request; undo skips it).
- The hourly purge (cms.services.jobs.purge_commenter_data) removes IP and
  browser from snapshots of comments older than
  `comments.purge_personal_days` (the rule of the live rows), and e-mail, IP
  and browser from every snapshot once its entry is older than UNDO_DAYS:
  from then on undo refuses to bring the deletion back.

Removed fields are gone from the snapshot, not set empty (an undo within
the window puts back "" and NULL), so a snapshot still holding any of them
is found with a plain text match on the stored JSON before it is read.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, or_, select, update

from cms.database import write_transaction
from cms.extensions import db
from cms.models import AuditEntry
from cms.services.settings import current_settings

UNDO_DAYS = 30
UNDO_WINDOW = timedelta(days=UNDO_DAYS)
CONTACT = ("author_email", "ip", "user_agent")  # who, and from where
TRACES = ("ip", "user_agent")  # what the purge setting limits on live rows
# What an undo puts back for a removed field.
REMOVED_VALUES: dict[str, Any] = {"author_email": "", "ip": None, "user_agent": None}


def _holding(*texts: str):
    """The stored JSON contains one of `texts` (a cheap filter, checked
    again on the parsed value)."""
    as_text = cast(AuditEntry.changes, Text)
    return or_(*(as_text.contains(text, autoescape=True) for text in texts))


def _deletions(*conditions) -> list[tuple[int, dict]]:
    """(id, changes) of the comment deletions meeting `conditions`."""
    query = (
        select(AuditEntry.id, AuditEntry.changes)
        .where(
            AuditEntry.action == "delete",
            AuditEntry.target_type == "comment",
            *conditions,
        )
        .order_by(AuditEntry.id)
    )
    return [(row.id, row.changes) for row in db.session.execute(query)]


def _rewrite(entry_id: int, changes: dict) -> None:
    db.session.execute(
        update(AuditEntry).where(AuditEntry.id == entry_id).values(changes=changes),
        execution_options={"synchronize_session": False},
    )


def forget_commenter(address: str, drop_text: bool, erased_name: str) -> int:
    """Inside the caller's transaction: scrub every snapshot of a comment
    written with `address` (lower case, as stored): e-mail, IP and browser
    removed, name `erased_name`, site blank; with `drop_text` the snapshot
    is dropped and its change marked `"erased": true`. Returns how many
    snapshots changed."""
    needles = {json.dumps(address), json.dumps(address, ensure_ascii=False)}
    scrubbed = 0
    for entry_id, changes in _deletions(_holding(*needles)):
        changes = copy.deepcopy(changes)
        touched = 0
        for change in changes.values():
            snapshot = change.get("snapshot") if isinstance(change, dict) else None
            if not snapshot or snapshot.get("author_email") != address:
                continue
            touched += 1
            if drop_text:
                del change["snapshot"]
                change["erased"] = True
                continue
            for field in CONTACT:
                snapshot.pop(field, None)
            snapshot.update(author_name=erased_name, author_url="")
        if touched:
            _rewrite(entry_id, changes)
            scrubbed += touched
    return scrubbed


def _written_at(snapshot: dict) -> datetime | None:
    try:
        written = datetime.fromisoformat(snapshot.get("created_at") or "")
    except (TypeError, ValueError):
        return None
    return written if written.tzinfo else written.replace(tzinfo=UTC)


def _scrub(changes: dict, fields: tuple[str, ...], older_than: datetime | None) -> int:
    """Remove `fields` from the snapshots in `changes` (of comments written
    before `older_than`, or all with None); how many snapshots changed."""
    touched = 0
    for change in changes.values():
        snapshot = change.get("snapshot") if isinstance(change, dict) else None
        if not snapshot or not any(field in snapshot for field in fields):
            continue
        if older_than is not None:
            written = _written_at(snapshot)
            if written is None or written >= older_than:
                continue
        for field in fields:
            snapshot.pop(field, None)
        touched += 1
    return touched


def purge_snapshots(now: datetime) -> int:
    """Scrub the snapshots the purge rules reach (see the module docstring),
    in one transaction; returns how many snapshots changed."""
    undo_ends = now - UNDO_WINDOW
    traces_end = now - timedelta(
        days=current_settings()["comments.purge_personal_days"]
    )
    scrubbed = 0
    with write_transaction():
        rules = [
            # Past the undo window: nothing in them is of use any more.
            (AuditEntry.created_at < undo_ends, CONTACT, None),
            # Still undoable: IP and browser go when the live row's would.
            (AuditEntry.created_at >= undo_ends, TRACES, traces_end),
        ]
        for when, fields, older_than in rules:
            keys = [json.dumps(field) for field in fields]
            for entry_id, changes in _deletions(when, _holding(*keys)):
                changes = copy.deepcopy(changes)
                touched = _scrub(changes, fields, older_than)
                if touched:
                    _rewrite(entry_id, changes)
                    scrubbed += touched
    return scrubbed


def undo_expired(entry: AuditEntry, now: datetime) -> bool:
    """True when a comment deletion is past the window in which it may be
    undone (its snapshots are scrubbed from then on)."""
    return entry.action == "delete" and entry.created_at < now - UNDO_WINDOW


def restorable(snapshot: dict) -> dict:
    """A snapshot with the fields a scrub removed put back empty."""
    return REMOVED_VALUES | snapshot
