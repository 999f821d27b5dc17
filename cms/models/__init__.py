"""The data model; import models from here."""

from cms.models.article import Article, ArticleStatus, new_public_id
from cms.models.audit import AuditEntry
from cms.models.autosave import Autosave
from cms.models.base import UTCDateTime, utcnow
from cms.models.comment import Comment, CommentStatus, CommentType
from cms.models.job import JobRun
from cms.models.menu import Menu, MenuItem
from cms.models.notice import MailNotice
from cms.models.outbox import OutboxMessage, OutboxStatus
from cms.models.page import Page, PageStatus
from cms.models.rate_limit import RateLimit
from cms.models.revision import Revision
from cms.models.setting import Setting
from cms.models.tally import CommentTally, DailyViews
from cms.models.taxonomy import (
    Category,
    CategoryRedirect,
    Tag,
    TagRedirect,
    article_tags,
)
from cms.models.token import UsedToken
from cms.models.user import Role, User

__all__ = [
    "AuditEntry",
    "Autosave",
    "CommentTally",
    "DailyViews",
    "UsedToken",
    "Article",
    "ArticleStatus",
    "Category",
    "CategoryRedirect",
    "TagRedirect",
    "Comment",
    "CommentStatus",
    "CommentType",
    "JobRun",
    "MailNotice",
    "OutboxMessage",
    "OutboxStatus",
    "Menu",
    "MenuItem",
    "Page",
    "PageStatus",
    "RateLimit",
    "Revision",
    "Role",
    "Setting",
    "Tag",
    "UTCDateTime",
    "User",
    "article_tags",
    "new_public_id",
    "utcnow",
]
