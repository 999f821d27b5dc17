"""Kept counts and daily baselines, so that no page counts rows on every view."""

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import Model


class CommentTally(Model):
    """How many comments have one status, site-wide (the queue's tab counts).
    Changed in the same transaction as the comments, by atomic UPDATEs."""

    __tablename__ = "comment_tallies"
    # Seeded by the schema; an import replaces them (cms.services.portable).
    __table_args__ = {"info": {"kept": True}}

    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class DailyViews(Model):
    """The site's total view count when a day (in the site's zone) began, so
    "views today" is the total now minus this: no write on the page view path."""

    __tablename__ = "daily_views"
    __table_args__ = {"info": {"kept": True}}

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views_at_start: Mapped[int] = mapped_column(BigInteger, default=0)


class ListsVersion(Model):
    """One row: a number bumped in the transaction of every change that may
    move articles into or out of the readers' lists (cms.services.listing),
    so that every worker and server knows its kept list sizes are stale."""

    __tablename__ = "lists_version"
    __table_args__ = {"info": {"kept": True}}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
