"""Recovery codes: the way into a two-factor account without its phone."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model
from cms.models.base import UTCDateTime


class RecoveryCode(Model):
    """One of an account's ten recovery codes, kept only as its SHA-256
    (the codes are random, 80 bits: no slow hash is needed); `used_at` is
    set when it opens a login, after which it opens nothing."""

    __tablename__ = "recovery_codes"
    # The login's lookup: this account's unused code with this hash.
    __table_args__ = (
        Index("ix_recovery_codes_user_id_code_hash", "user_id", "code_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
