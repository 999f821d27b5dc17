"""Held comments that editors have been told about by e-mail."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow


class MailNotice(Model):
    """One held comment that went out by e-mail, alone or in a digest, so no
    later digest repeats it. The newest `in_digest` row is when the last
    digest was sent."""

    __tablename__ = "mail_notices"
    __table_args__ = (
        Index("ix_mail_notices_in_digest_sent_at", "in_digest", "sent_at"),
    )

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    in_digest: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<MailNotice {self.comment_id}>"
