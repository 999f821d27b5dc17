"""The outbox: every message is a row written in the transaction of the change
that causes it; a sender delivers it after commit, retries with backoff, and
records the outcome. A request never waits on the mail server.

Delivery is at least once: a sender claims rows with a conditional UPDATE (so
two senders never take the same row), sends, then records the result; a
sender that dies between sending and recording leaves its claim, which goes
stale after STALE_CLAIM and is taken again (by `flask cms tick` at the latest).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, func, insert, or_, select, update

from cms.database import write_transaction
from cms.events import MailQueued, emit
from cms.extensions import db
from cms.logs import log_event
from cms.models import OutboxMessage, OutboxStatus, utcnow
from cms.services.errors import InvalidInput, NotFound
from cms.services.mail import Mail, deliver, mail_configured

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
STALE_CLAIM = timedelta(minutes=10)
BATCH = 50
MAIL = "mail"

# kind -> how a row's payload becomes messages (an empty list: nothing to
# send, the row is dropped). Kinds other than "mail" are added by the
# services that own them (password reset).
_COMPOSERS: dict[str, Callable[[dict[str, Any]], list[Mail]]] = {
    MAIL: lambda payload: [Mail(**payload)],
}


_ON_SENT: dict[str, Callable[[list[dict[str, Any]]], None]] = {}
# kind -> what sends its messages, for kinds that are not e-mail (webhooks):
# one entry per message, None when it went through, else why not.
Transport = Callable[[Sequence[Any]], list[str | None]]
_TRANSPORTS: dict[str, Transport] = {}


def register_kind(
    kind: str,
    compose: Callable[[dict[str, Any]], list[Any]],
    on_sent: Callable[[list[dict[str, Any]]], None] | None = None,
    transport: Transport | None = None,
) -> None:
    """Teach the outbox a kind of row: `compose(payload)` gives its messages
    when the sender delivers it (in an app context, outside any transaction);
    `payload["done"]`, when present, lists the addresses that already got the
    row's message in an earlier, partly failed try (leave them out).
    `on_sent(payloads)` runs in the transaction that records rows of this
    kind as sent. `transport` sends messages that are not e-mail (each has a
    `to`); such rows are written whether or not MAIL_URL is set."""
    _COMPOSERS[kind] = compose
    if on_sent is not None:
        _ON_SENT[kind] = on_sent
    if transport is not None:
        _TRANSPORTS[kind] = transport


def enqueue(kind: str, payload: dict[str, Any]) -> None:
    """Write one row to the outbox in the caller's unit of work (opens one
    when called outside); it is delivered after commit, never before, and
    never when the unit rolls back. Nothing is written for e-mail when MAIL_URL
    is unset."""
    enqueue_many(kind, [payload])


def enqueue_many(kind: str, payloads: Sequence[dict[str, Any]]) -> None:
    """enqueue() each payload, in one INSERT."""
    if kind not in _COMPOSERS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    if not payloads or (kind not in _TRANSPORTS and not mail_configured()):
        return
    now = utcnow()
    with write_transaction():
        db.session.execute(
            insert(cast(Table, OutboxMessage.__table__)),  # Core: no ORM bulk machinery
            [{"kind": kind, "payload": payload, "status": OutboxStatus.PENDING,
              "attempts": 0, "due_at": now, "last_error": "", "created_at": now}
             for payload in payloads],
        )  # fmt: skip
        emit(MailQueued(len(payloads)))


def enqueue_mail(mails: Sequence[Mail]) -> None:
    """enqueue() each ready message."""
    enqueue_many(MAIL, [{"to": m.to, "subject": m.subject, "text": m.text,
                         "html": m.html} for m in mails])  # fmt: skip


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.dropped


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now),
        and_(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - STALE_CLAIM,
        ),
    )


def _claim(now: datetime, limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due rows for this sender (conditional UPDATE: a row
    another sender claimed meanwhile is not taken twice)."""
    with write_transaction():
        ids = list(
            db.session.scalars(
                select(OutboxMessage.id)
                .where(_due(now))
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )
        if not ids:
            return []
        claimed = list(
            db.session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), _due(now))
                .values(status=OutboxStatus.SENDING, claimed_at=now,
                        attempts=OutboxMessage.attempts + 1)
                .returning(OutboxMessage.id),
                execution_options={"synchronize_session": False},
            )
        )  # fmt: skip
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(claimed))
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4 … minutes,
    at most an hour."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), LONGEST_WAIT)


def _compose(row: OutboxMessage) -> list[Any] | str:
    try:
        return _COMPOSERS[row.kind](dict(row.payload))
    except Exception as error:  # a bad row must not stop the others
        return f"{type(error).__name__}: {error}"


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> DeliveryReport:
    """Deliver every due message (in batches of `limit` over one connection
    each) and record each outcome: sent; dropped (nothing to send); or, on
    failure, retried after retry_delay() until MAX_ATTEMPTS, then failed."""
    totals = DeliveryReport()
    while True:
        moment = now or utcnow()
        rows = _claim(moment, limit)
        if not rows:
            return totals
        report = _deliver(rows, moment)
        totals = DeliveryReport(
            *(a + b for a, b in zip(_fields(totals), _fields(report), strict=True))
        )
        if len(rows) < limit:
            return totals


def _fields(report: DeliveryReport) -> tuple[int, int, int, int]:
    return report.sent, report.retrying, report.failed, report.dropped


def _send_all(
    rows: list[OutboxMessage], composed: dict[int, list[Any] | str]
) -> dict[int, list[str | None]]:
    """Send every composed message, each through its kind's transport (one
    call per transport: e-mail goes over one connection); per row, one
    result per message, in order."""
    batches: dict[Transport, list[tuple[int, Any]]] = {}
    for row in rows:
        result = composed[row.id]
        if isinstance(result, list):
            send = _TRANSPORTS.get(row.kind, deliver)
            batches.setdefault(send, []).extend((row.id, m) for m in result)
    results: dict[int, list[str | None]] = {row.id: [] for row in rows}
    for send, items in batches.items():
        errors = send([message for _, message in items])
        for (row_id, _), error in zip(items, errors, strict=True):
            results[row_id].append(error)
    return results


def _deliver(rows: list[OutboxMessage], now: datetime) -> DeliveryReport:
    composed = {row.id: _compose(row) for row in rows}
    sent = _send_all(rows, composed)
    outcome: dict[int, str | None] = {}
    reached: dict[int, list[str]] = {}  # addresses a partly failed row got to
    for row in rows:
        result = composed[row.id]
        if isinstance(result, str):
            outcome[row.id] = result
            continue
        pairs = list(zip((m.to for m in result), sent[row.id], strict=True))
        row_errors = [e for _, e in pairs if e]
        outcome[row.id] = "; ".join(row_errors) or (None if result else "")
        if row_errors:
            reached[row.id] = [to for to, e in pairs if not e]
    return _record(rows, outcome, reached, now)


def _record(
    rows: list[OutboxMessage],
    outcome: dict[int, str | None],
    reached: dict[int, list[str]],
    now: datetime,
) -> DeliveryReport:
    counts = {"sent": 0, "retrying": 0, "failed": 0, "dropped": 0}
    sent: dict[str, list[dict[str, Any]]] = {}
    with write_transaction():
        for row in rows:
            error = outcome[row.id]
            values: dict[str, Any] = {"claimed_at": None}
            if reached.get(row.id):  # a retry leaves out who got it already
                done = sorted(set(row.payload.get("done", [])) | set(reached[row.id]))
                values["payload"] = {**row.payload, "done": done}
            if error is None:
                sent.setdefault(row.kind, []).append(dict(row.payload))
                values |= {"status": OutboxStatus.SENT, "sent_at": now,
                           "last_error": ""}  # fmt: skip
                counts["sent"] += 1
            elif error == "":
                values |= {"status": OutboxStatus.DROPPED, "sent_at": now}
                counts["dropped"] += 1
            elif row.attempts >= MAX_ATTEMPTS:
                values |= {"status": OutboxStatus.FAILED, "last_error": error[:2000]}
                counts["failed"] += 1
            else:
                values |= {"status": OutboxStatus.PENDING,
                           "due_at": now + retry_delay(row.attempts),
                           "last_error": error[:2000]}  # fmt: skip
                counts["retrying"] += 1
            _log_outcome(row, values["status"], error)
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id,
                       OutboxMessage.status == OutboxStatus.SENDING)
                .values(**values),
                execution_options={"synchronize_session": False},
            )  # fmt: skip
        for kind, payloads in sent.items():
            if kind in _ON_SENT:
                _ON_SENT[kind](payloads)
    for row in rows:
        db.session.expire(row)  # read afresh: the UPDATEs bypassed the objects
    return DeliveryReport(**counts)


_OUTCOME_EVENTS = {
    OutboxStatus.SENT: "mail.sent",
    OutboxStatus.DROPPED: "mail.dropped",
    OutboxStatus.FAILED: "mail.failed",
    OutboxStatus.PENDING: "mail.failed",
}


def _log_outcome(row: OutboxMessage, status: OutboxStatus, error: str | None) -> None:
    """One log line per delivery try, once the outcome is committed."""
    fields: dict[str, Any] = {"message_id": row.id, "kind": row.kind,
                              "attempts": row.attempts}  # fmt: skip
    if status == OutboxStatus.PENDING:
        fields["retry"] = True
    if error:
        fields["error"] = error[:300]
    log_event(_OUTCOME_EVENTS[status], after_commit=True, **fields)


def next_due_at() -> datetime | None:
    """When the earliest waiting message is due (None: nothing waits)."""
    return db.session.scalar(
        select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )


def outbox_counts() -> dict[OutboxStatus, int]:
    """How many messages are in each state (the dashboard shows failures)."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
            OutboxMessage.status
        )
    )
    found = dict(rows.all())
    return {status: found.get(status, 0) for status in OutboxStatus}


def needs_attention() -> int:
    """How many messages an admin should look at: given up for good, or
    waiting to retry after a failed try."""
    return (
        db.session.scalar(select(func.count(OutboxMessage.id)).where(_troubled())) or 0
    )


def _troubled():
    return or_(
        OutboxMessage.status == OutboxStatus.FAILED,
        and_(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.last_error != "",
        ),
    )


def recent_messages(limit: int = 100) -> list[OutboxMessage]:
    """What the admin's mail page lists: every troubled message first (newest
    first), then the latest others, `limit` in all."""
    troubled = list(
        db.session.scalars(
            select(OutboxMessage).where(_troubled()).order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )  # fmt: skip
    rest = db.session.scalars(
        select(OutboxMessage).where(~_troubled()).order_by(OutboxMessage.id.desc())
        .limit(max(0, limit - len(troubled)))
    )  # fmt: skip
    return troubled + list(rest)


def retry_message(message_id: int) -> OutboxMessage:
    """Put a failed message back in the queue, due now (attempts start again).
    NotFound for an unknown id; InvalidInput when it has not failed."""
    with write_transaction():
        row = db.session.get(OutboxMessage, message_id, with_for_update=True)
        if row is None:
            raise NotFound(f"outbox message {message_id}")
        if row.status != OutboxStatus.FAILED:
            raise InvalidInput("只能重试发送失败的邮件")
        row.status, row.attempts, row.due_at = OutboxStatus.PENDING, 0, utcnow()
        emit(MailQueued())
    return row
