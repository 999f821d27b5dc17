"""The editor's autosaved copies: one per writer and article (or new article),
never the article itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow


class Autosave(Model):
    """What a writer had typed in the editor when it last autosaved.
    `slot` is "<user id>:<article id>" ("<user id>:new" for an article not
    saved yet): one copy per writer and article. `base_version` is the
    article version the writer was editing, so a restore still goes through
    the version check."""

    __tablename__ = "autosaves"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(Text, default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    base_version: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
