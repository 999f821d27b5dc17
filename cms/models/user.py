"""Accounts of the people who run the site."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from cms.models.article import Article


class Role(enum.StrEnum):
    """What an account may do; each role includes what the one after it may do."""

    ADMIN = "admin"
    EDITOR = "editor"
    CONTRIBUTOR = "contributor"


def enum_column(
    enum_cls: type[enum.Enum], length: int = 16, name: str | None = None
) -> Enum:
    """A portable enum column: a VARCHAR with a CHECK, storing the members' values.
    `name` names the CHECK; give one when a table has two columns of one enum."""
    return Enum(
        enum_cls,
        name=name or enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class User(UserMixin, Model):
    """An account. Without a password hash it cannot log in (demo authors)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    # For moderation e-mails (and password resets); optional.
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.CONTRIBUTOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    # A media key (cms.services.media) of the profile picture; "" for none.
    avatar: Mapped[str] = mapped_column(String(255), default="")
    # The author's own pay links; they override the site's for their articles.
    tip_wechat: Mapped[str] = mapped_column(String(512), default="")
    tip_alipay: Mapped[str] = mapped_column(String(512), default="")
    # Bumped to end every session of the account at once (deactivation, reset).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Two-factor login (cms.services.two_factor): the TOTP secret once
    # confirmed, sealed under SECRET_KEY (cms.services.sealing), None
    # without; and the last 30-second step whose code was accepted, so a
    # code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(128))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    articles: Mapped[list[Article]] = relationship(
        back_populates="owner", foreign_keys="Article.owner_id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """The session identity `id:version`; a new version logs out everywhere."""
        return f"{self.id}:{self.session_version}"

    @property
    def has_two_factor(self) -> bool:
        """Whether logging in asks for a code after the password."""
        return self.totp_secret is not None

    @property
    def is_staff(self) -> bool:
        """Editors and admins: they moderate and publish."""
        return self.role in (Role.ADMIN, Role.EDITOR)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"
