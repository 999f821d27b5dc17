"""The site's navigation menu and its friend links (友情链接)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.extensions import Model
from cms.models.base import UTCDateTime, utcnow
from cms.models.page import Page
from cms.models.taxonomy import Category
from cms.models.user import enum_column


class Menu(enum.StrEnum):
    """Where a link is shown."""

    HEADER = "header"  # the navigation menu in the header
    FRIENDS = "friends"  # 友情链接 in the footer


class MenuItem(Model):
    """One link of a menu, in `position` order. It points at a category, a
    page, or an outside URL (exactly one of the three); a link to a category or
    page that is deleted goes with it."""

    __tablename__ = "menu_items"
    __table_args__ = (Index("ix_menu_items_menu_position", "menu", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    menu: Mapped[Menu] = mapped_column(enum_column(Menu))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Shown text; empty means the category's or page's own name.
    label: Mapped[str] = mapped_column(String(100), default="")
    url: Mapped[str] = mapped_column(String(512), default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE")
    )
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship(lazy="joined")
    page: Mapped[Page | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<MenuItem {self.menu.value} {self.position} {self.label!r}>"
