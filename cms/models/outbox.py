"""The outbox: messages written with the change that causes them, delivered
after commit by a background sender (and by `flask cms tick`)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow
from cms.models.user import enum_column


class OutboxStatus(enum.StrEnum):
    """Where a message is: waiting (or waiting to retry), claimed by a sender,
    delivered, given up after its last attempt, or dropped (nothing to send:
    a reset asked for an account that does not exist)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"


class OutboxMessage(Model):
    """One message to deliver. `kind` says how `payload` becomes mail:
    "mail" holds it ready (to, subject, text); "password-reset" holds what a
    reader typed, resolved to accounts only by the sender, so the request
    that wrote it did the same work whether or not the account exists."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The sender's query: due pending messages, oldest first.
        Index("ix_outbox_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
