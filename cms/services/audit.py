"""Writing the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cms.extensions import db
from cms.logs import log_event
from cms.models import AuditEntry, User


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_ids: Iterable[int],
    changes: dict[str, Any] | None = None,
    reason: str = "",
    undo_of: AuditEntry | None = None,
) -> AuditEntry:
    """Add an entry to the audit log. Call inside the write transaction of the
    action it records, so the two are stored together or not at all."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_ids=sorted(set(target_ids)),
        changes=changes or {},
        reason=reason,
        undo_of_id=undo_of.id if undo_of is not None else None,
    )
    db.session.add(entry)
    db.session.flush()
    log_event(
        "moderation.action",
        after_commit=True,
        entry_id=entry.id,
        actor_id=entry.actor_id,
        action=action,
        target_type=target_type,
        target_ids=entry.target_ids[:20],
        count=len(entry.target_ids),
    )
    return entry
