"""Rate-limit counters kept in the database, so every worker and server sees
the same counts when there is no Redis (and while Redis is unreachable)."""

from sqlalchemy import Double, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model


class RateLimit(Model):
    """One counter: `count` hits since its window opened; the row means
    nothing once `expires_at` (seconds since the epoch, UTC) has passed and
    the `expire-rate-limits` job deletes it."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Double)

    __table_args__ = (
        # DELETE FROM rate_limits WHERE expires_at <= now (the expiry job).
        Index("ix_rate_limits_expires_at", "expires_at"),
    )
