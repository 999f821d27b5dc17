"""Moderating comments: status changes with exact counts, an audit entry for
every action, and undo."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from cms.database import write_transaction
from cms.events import CommentMove, CommentsChanged, emit
from cms.extensions import db
from cms.models import (
    Article,
    AuditEntry,
    Comment,
    CommentStatus,
    CommentType,
    Page,
    User,
    utcnow,
)
from cms.services.audit import record
from cms.services.audit_privacy import UNDO_DAYS, restorable, undo_expired
from cms.services.errors import InvalidInput, NotFound

_PARKED = (CommentStatus.SPAM, CommentStatus.TRASH)
CHUNK = 500

ACTIONS = {
    "approve": CommentStatus.APPROVED,
    "unapprove": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.TRASH,
    "restore": None,  # back to the status before spam or trash
    "delete": None,  # for good; trash only
}


@dataclass(frozen=True)
class ActionResult:
    """What an action did: the audit entry (for undo), how many comments
    changed, and how many were left alone (and why)."""

    entry: AuditEntry | None
    changed: int
    skipped: int
    note: str = ""


def _chunks(items: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _move(
    targets: dict[int, CommentStatus], actor: User | None, now: datetime
) -> dict[str, dict]:
    """Move each comment id to its target status, if it is not there already.
    Rows change by UPDATEs conditional on the status read, so a row another
    editor moved meanwhile is left alone. Article counts and tallies move by
    the differences in the same transaction. Returns the audit changes.

    Rows are locked as they are read, in id order, and articles and tallies
    are updated in a fixed order, so two editors acting on overlapping
    comments wait for each other instead of deadlocking (PostgreSQL)."""
    changes: dict[str, dict] = {}
    moves: list[CommentMove] = []
    for chunk in _chunks(sorted(targets)):
        rows = db.session.execute(
            select(Comment.id, Comment.status, Comment.previous_status,
                   Comment.article_id, Comment.page_id).where(Comment.id.in_(chunk))
            .order_by(Comment.id).with_for_update()
        ).all()  # fmt: skip
        groups: dict[tuple, list] = defaultdict(list)
        for comment_id, old, previous, article_id, page_id in rows:
            new = targets[comment_id]
            if new != old:
                groups[(old, new)].append((comment_id, previous, article_id, page_id))
        for (old, new), members in groups.items():
            values = {"status": new, "moderated_at": now,
                      "moderated_by_id": actor.id if actor else None}  # fmt: skip
            if new in _PARKED and old not in _PARKED:
                values["previous_status"] = old
            moved = set(
                db.session.scalars(
                    update(Comment)
                    .where(Comment.id.in_([m[0] for m in members]),
                           Comment.status == old)
                    .values(**values)
                    .returning(Comment.id),
                    execution_options={"synchronize_session": False},
                )
            )  # fmt: skip
            for comment_id, previous, article_id, page_id in members:
                if comment_id not in moved:
                    continue
                changes[str(comment_id)] = {
                    "from": old.value, "to": new.value,
                    "previous": previous.value if previous else None,
                }  # fmt: skip
                moves.append(
                    CommentMove(comment_id, article_id, old.value, new.value, page_id)
                )
    if moves:
        emit(CommentsChanged.of_moves(moves))
    return changes


def set_status(
    comment_ids: Iterable[int], status: CommentStatus, actor: User | None
) -> dict[int, CommentStatus]:
    """Move comments to `status` (no audit entry: for services that record
    their own); returns {id: status it had} for those that changed. Moving
    to spam or trash remembers the status it leaves, for `restore`."""
    with write_transaction():
        changes = _move(dict.fromkeys(comment_ids, status), actor, utcnow())
    return {int(i): CommentStatus(c["from"]) for i, c in changes.items()}


def _restore_targets(ids: list[int]) -> dict[int, CommentStatus]:
    targets = {}
    for chunk in _chunks(ids):
        for comment_id, status, previous in db.session.execute(
            select(Comment.id, Comment.status, Comment.previous_status).where(
                Comment.id.in_(chunk)
            )
        ):
            if status in _PARKED:
                targets[comment_id] = previous or CommentStatus.PENDING
    return targets


def apply_action(
    comment_ids: Iterable[int], action: str, actor: User | None, reason: str = ""
) -> ActionResult:
    """Do one of ACTIONS to the comments, with one audit entry for all of
    them, in one transaction. `delete` removes only comments in the trash (the
    others are left and counted as skipped); the entry keeps a snapshot of the
    deleted rows so the action can be undone."""
    if action not in ACTIONS:
        raise InvalidInput(f"unknown action {action!r}")
    ids = sorted({int(i) for i in comment_ids})
    if not ids:
        return ActionResult(None, 0, 0, "没有选中评论")
    if action == "delete":
        return _delete_for_good(ids, actor, reason)
    now = utcnow()
    with write_transaction():
        if action == "restore":
            targets = _restore_targets(ids)
        else:
            targets = dict.fromkeys(ids, ACTIONS[action])
        changes = _move(targets, actor, now)
        entry = (
            record(actor, action, "comment", map(int, changes), changes, reason)
            if changes
            else None
        )
    return ActionResult(entry, len(changes), len(ids) - len(changes))


_SNAPSHOT = [c.name for c in Comment.__table__.columns]


def _snapshot(comment: Comment) -> dict:
    data = {}
    for name in _SNAPSHOT:
        value = getattr(comment, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, (CommentStatus, CommentType)):
            value = value.value
        data[name] = value
    return data


def _delete_for_good(
    ids: list[int],
    actor: User | None,
    reason: str,
    status: CommentStatus = CommentStatus.TRASH,
) -> ActionResult:
    """Delete the comments among `ids` that are in `status` (the trash, or the
    spam when it is emptied), keeping a snapshot of each in the audit entry."""
    with write_transaction():
        doomed = []
        for chunk in _chunks(ids):
            # Locked (PostgreSQL): a comment restored meanwhile must not be
            # deleted with its count taken from the wrong status.
            doomed += db.session.scalars(
                select(Comment)
                .where(Comment.id.in_(chunk), Comment.status == status)
                .order_by(Comment.id)
                .with_for_update()
            ).all()
        if not doomed:
            return ActionResult(None, 0, len(ids), "只能永久删除回收站中的评论")
        changes = {str(c.id): {"from": status.value, "to": "deleted",
                               "snapshot": _snapshot(c)} for c in doomed}  # fmt: skip
        doomed_ids = [c.id for c in doomed]
        gone = [CommentMove(c.id, c.article_id, status.value, None, c.page_id)
                for c in doomed]  # fmt: skip
        # Replies to a deleted comment stay; they lose their parent, and the
        # entry remembers them so an undo can attach them again.
        for chunk in _chunks(doomed_ids):
            for reply_id, parent_id in db.session.execute(
                select(Comment.id, Comment.parent_id).where(
                    Comment.parent_id.in_(chunk)
                )
            ):
                changes[str(parent_id)].setdefault("replies", []).append(reply_id)
            db.session.execute(
                update(Comment).where(Comment.parent_id.in_(chunk))
                .values(parent_id=None),
                execution_options={"synchronize_session": False},
            )  # fmt: skip
            db.session.execute(
                delete(Comment).where(Comment.id.in_(chunk)),
                execution_options={"synchronize_session": False},
            )
        emit(CommentsChanged.of_moves(gone))
        entry = record(actor, "delete", "comment", doomed_ids, changes, reason)
    skipped = len(ids) - len(doomed)
    note = f"{skipped} 条不在回收站，未删除" if skipped else ""
    return ActionResult(entry, len(doomed), skipped, note)


def empty_status(status: CommentStatus, actor: User | None) -> ActionResult:
    """Empty the spam or the trash: every comment in it is deleted for good,
    in one action (one audit entry), so undo brings each back where it was."""
    if status not in _PARKED:
        raise InvalidInput("只能清空垃圾评论或回收站")
    ids = list(db.session.scalars(select(Comment.id).where(Comment.status == status)))
    reason = f"清空{'垃圾评论' if status == CommentStatus.SPAM else '回收站'}"
    return _delete_for_good(ids, actor, reason, status)


def undo(entry_id: int, actor: User | None) -> ActionResult:
    """Reverse a recorded comment action exactly: statuses (and remembered
    previous statuses) go back for every comment still where the action left
    it; deleted comments come back from their snapshot (for UNDO_DAYS; a
    commenter's erasure keeps theirs from coming back). An entry is undone
    at most once; the undo is itself recorded."""
    now = utcnow()
    with write_transaction():
        # Read and claim the entry inside the write transaction, so neither a
        # copy the session kept (expire_on_commit is off) nor a concurrent
        # undo lets it be undone twice.
        entry = db.session.get(AuditEntry, entry_id, populate_existing=True)
        if entry is None or entry.target_type != "comment":
            raise NotFound(str(entry_id))
        if entry.action not in ACTIONS:  # replies, edits, bans, erasures
            raise InvalidInput("这个操作不能撤销")
        if undo_expired(entry, now):  # its snapshots are scrubbed by now
            raise InvalidInput(f"超过 {UNDO_DAYS} 天的永久删除不能再撤销")
        claimed = db.session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == entry.id, AuditEntry.undone_at.is_(None),
                   AuditEntry.undo_of_id.is_(None))
            .values(undone_at=now),
            execution_options={"synchronize_session": False},
        ).rowcount  # fmt: skip
        if not claimed:
            raise InvalidInput("这个操作已经撤销过了")
        if entry.action == "delete":
            restored = _reinsert(entry.changes)
            changes = {i: {"from": "deleted", "to": s} for i, s in restored.items()}
        else:
            changes = _reverse_moves(entry.changes, actor, now)
        undo_entry = record(actor, "undo", "comment", map(int, changes), changes,
                            reason=f"撤销 #{entry.id}", undo_of=entry)  # fmt: skip
    return ActionResult(undo_entry, len(changes), len(entry.changes) - len(changes))


def _reverse_moves(changes: dict, actor: User | None, now: datetime) -> dict:
    by_target: dict[int, CommentStatus] = {}
    expected: dict[int, str] = {}
    for key, change in changes.items():
        by_target[int(key)] = CommentStatus(change["from"])
        expected[int(key)] = change["to"]
    current = {}
    for chunk in _chunks(sorted(by_target)):
        current.update(db.session.execute(
            select(Comment.id, Comment.status).where(Comment.id.in_(chunk))
            .order_by(Comment.id).with_for_update()  # still there when moved
        ).all())  # fmt: skip
    # Only comments still where the action left them go back.
    targets = {i: s for i, s in by_target.items() if current.get(i) == expected[i]}
    moved = _move(targets, actor, now)
    for key in moved:  # put the remembered previous status back as it was
        previous = changes[key]["previous"]
        db.session.execute(
            update(Comment).where(Comment.id == int(key))
            .values(previous_status=CommentStatus(previous) if previous else None),
            execution_options={"synchronize_session": False},
        )  # fmt: skip
    return moved


def _reinsert(changes: dict) -> dict[str, str]:
    """Put deleted comments back from their snapshots (into the trash or the
    spam, where they were); rows whose id is taken or whose article is gone
    are skipped. Returns {id: status} of the rows put back."""
    rows = []
    for change in changes.values():
        if "snapshot" not in change:  # its commenter was erased since
            continue
        data = restorable(change["snapshot"])
        for name in ("created_at", "moderated_at"):
            if data.get(name):
                data[name] = datetime.fromisoformat(data[name])
        data["type"] = CommentType(data["type"])
        for name in ("status", "previous_status"):
            if data.get(name):
                data[name] = CommentStatus(data[name])
        data.setdefault("page_id", None)  # snapshots from before pages had comments
        rows.append(data)
    ids = [r["id"] for r in rows]
    taken = set(db.session.scalars(select(Comment.id).where(Comment.id.in_(ids))))
    articles = {r["article_id"] for r in rows if r["article_id"] is not None}
    pages = {r["page_id"] for r in rows if r["page_id"] is not None}
    alive = {
        ("a", i)
        for i in db.session.scalars(select(Article.id).where(Article.id.in_(articles)))
    }
    alive |= {("p", i) for i in db.session.scalars(
        select(Page.id).where(Page.id.in_(pages)))}  # fmt: skip

    def on_alive(row: dict) -> bool:
        if row["article_id"] is not None:
            return ("a", row["article_id"]) in alive
        return ("p", row["page_id"]) in alive

    rows = [r for r in rows if r["id"] not in taken and on_alive(r)]
    if rows:
        # Parents are linked after every row is back, whatever their order.
        links = {r["id"]: r.pop("parent_id") for r in rows}
        db.session.execute(insert(Comment), [r | {"parent_id": None} for r in rows])
        for key, change in changes.items():
            for reply_id in change.get("replies", []):
                links.setdefault(reply_id, int(key))
        wanted = set(links) | {p for p in links.values() if p is not None}
        existing = set(
            db.session.scalars(select(Comment.id).where(Comment.id.in_(wanted)))
        )
        for child, parent in sorted(links.items()):
            if parent is not None and child in existing and parent in existing:
                db.session.execute(
                    update(Comment).where(Comment.id == child,
                                          Comment.parent_id.is_(None))
                    .values(parent_id=parent),
                    execution_options={"synchronize_session": False},
                )  # fmt: skip
        back = [CommentMove(r["id"], r["article_id"], None, r["status"].value,
                            r["page_id"]) for r in rows]  # fmt: skip
        emit(CommentsChanged.of_moves(back))
    return {str(r["id"]): r["status"].value for r in rows}
