"""The data model; import models from here."""

from cms.models.article import Article, ArticleStatus, body_columns, new_public_id
from cms.models.audit import AuditEntry
from cms.models.autosave import Autosave
from cms.models.base import UTCDateTime, utcnow
from cms.models.comment import Comment, CommentStatus, CommentType
from cms.models.job import JobRun
from cms.models.legacy import ImportKey, LegacyLink
from cms.models.media import MediaFile, MediaOwner, article_media
from cms.models.menu import Menu, MenuItem
from cms.models.notice import MailNotice
from cms.models.outbox import OutboxMessage, OutboxStatus
from cms.models.page import Page, PageStatus
from cms.models.rate_limit import RateLimit
from cms.models.recovery_code import RecoveryCode
from cms.models.related import (
    ArticleTerm,
    ArticleVector,
    Digest,
    RelatedArticle,
    RelatedOverride,
    RelatedQueue,
    SearchDocument,
    TermStat,
)
from cms.models.revision import Revision
from cms.models.setting import Setting
from cms.models.spam_model import SpamFeature, SpamLesson, SpamModelTotals
from cms.models.submission import FormSubmission
from cms.models.tally import CommentTally, DailyViews, ListsVersion
from cms.models.taxonomy import (
    Category,
    CategoryRedirect,
    Tag,
    TagRedirect,
    article_tags,
)
from cms.models.token import UsedToken
from cms.models.user import Role, User
from cms.models.word_rule import WordExemption, WordRule

__all__ = [
    "ArticleTerm",
    "ArticleVector",
    "Digest",
    "RelatedArticle",
    "RelatedOverride",
    "RelatedQueue",
    "SearchDocument",
    "TermStat",
    "AuditEntry",
    "Autosave",
    "CommentTally",
    "DailyViews",
    "FormSubmission",
    "ListsVersion",
    "UsedToken",
    "Article",
    "ArticleStatus",
    "Category",
    "CategoryRedirect",
    "TagRedirect",
    "Comment",
    "CommentStatus",
    "CommentType",
    "ImportKey",
    "JobRun",
    "LegacyLink",
    "MailNotice",
    "MediaFile",
    "MediaOwner",
    "article_media",
    "OutboxMessage",
    "OutboxStatus",
    "Menu",
    "MenuItem",
    "Page",
    "PageStatus",
    "RateLimit",
    "RecoveryCode",
    "Revision",
    "Role",
    "Setting",
    "SpamFeature",
    "SpamLesson",
    "SpamModelTotals",
    "Tag",
    "UTCDateTime",
    "User",
    "WordExemption",
    "WordRule",
    "article_tags",
    "body_columns",
    "new_public_id",
    "utcnow",
]
