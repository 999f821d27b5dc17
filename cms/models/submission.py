"""Form submissions that created something, by the one-time key their form
carried (cms.services.submissions)."""

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow


class FormSubmission(Model):
    """The first submission of a form with `key` (a SHA-256 of the form's
    kind, its sender and the one-time key it carried) created `target_id`
    (an article, a page, a menu link, a comment: `form` says which). A
    second submission with the same key finds it here instead of creating
    another. The row is inserted first and `target_id` filled in the same
    transaction, so a committed row always names what was created."""

    __tablename__ = "form_submissions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    form: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # DELETE FROM form_submissions WHERE created_at < cutoff (the tick).
        Index("ix_form_submissions_created_at", "created_at"),
    )
