"""Receiving comments: the answers of INTERFACE.md, in their order, and storage."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from limits import parse as parse_limit
from sqlalchemy import func, or_, select, update

from cms.database import write_transaction
from cms.events import CommentMove, CommentsChanged, emit
from cms.extensions import db, limiter
from cms.models import Comment, CommentStatus, Page, PageStatus, utcnow
from cms.services import submissions
from cms.services.comment_subjects import (
    Subject,
    comments_on,
    form_key,
    lock_subject,
    subject_columns,
)
from cms.services.commenter_names import LOOK_ALIKE_MESSAGE, looks_like_an_account
from cms.services.errors import Conflict, InvalidInput, NotAllowed, ServiceError
from cms.services.mail import mail_configured
from cms.services.settings import current_settings
from cms.services.spam import Candidate, assess
from cms.text.names import clean_name


class CommentsClosed(NotAllowed):
    """Comments are closed on this article or page (403)."""


class TooFast(ServiceError):
    """Another comment from this address came too recently (429)."""

    def __init__(self, retry_after: int):
        super().__init__(f"请 {retry_after} 秒后再发表评论")
        self.retry_after = retry_after


class Duplicate(Conflict):
    """The same comment is already there (409)."""


class CommentRejected(InvalidInput):
    """A word rule refuses the comment (400); the message says which words."""


def comments_open(article: Subject, now: datetime | None = None) -> bool:
    """Open unless the article forbids them or is older than
    `comments.close_after_days` (0 = never closes). A page takes comments
    when an editor allowed them and it is published; it never closes with
    age (a 留言板 stays open)."""
    if not article.allow_comments:
        return False
    if isinstance(article, Page):
        return article.status == PageStatus.PUBLISHED
    days = current_settings()["comments.close_after_days"]
    if days and article.published_at is not None:
        return (now or utcnow()) - article.published_at < timedelta(days=days)
    return True


def reply_notices_offered() -> bool:
    """Whether the form offers 有人回复时用邮件通知我: the setting is on and
    e-mail is configured."""
    return bool(current_settings()["notify.reply_mail"] and mail_configured())


def check_flood(ip: str | None) -> None:
    """TooFast when this IP commented within `comments.flood_seconds`; counts
    this attempt otherwise. The count is the rate limiter's (the database, or
    Redis when REDIS_URL is set, so every worker and server shares it). When
    that storage fails, the stored comments decide instead (their IP and
    time), so a broken limiter store never refuses or breaks a comment."""
    seconds = current_settings()["comments.flood_seconds"]
    if not seconds or not ip:
        return
    item = parse_limit(f"1 per {seconds} second")
    strategy = limiter.limiter
    key = (current_app.config.get("RATELIMIT_KEY_PREFIX") or "cms", "comment-flood", ip)
    try:
        if strategy.hit(item, *key):
            return
        reset_at = strategy.get_window_stats(item, *key).reset_time
    except strategy.storage.base_exceptions:
        current_app.logger.warning(
            "comment flood check: the rate-limit storage failed; using stored comments",
            exc_info=True,
        )
        _check_flood_by_comments(ip, seconds)
        return
    raise TooFast(max(1, math.ceil(reset_at - time.time())))


def _check_flood_by_comments(ip: str, seconds: int) -> None:
    """TooFast when a stored comment from `ip` is younger than `seconds`."""
    now = utcnow()
    latest = db.session.scalar(
        select(func.max(Comment.created_at)).where(
            # Every status, so that ix_comments_status_created_at_id serves it.
            Comment.status.in_(list(CommentStatus)),
            Comment.created_at > now - timedelta(seconds=seconds),
            Comment.ip == ip,
        )
    )
    if latest is not None:
        waited = (now - latest).total_seconds()
        raise TooFast(max(1, math.ceil(seconds - waited)))


def _is_duplicate(subject: Subject, candidate: Candidate, body: str) -> bool:
    same_author = [Comment.author_email == candidate.author_email.strip().lower()]
    if candidate.ip:
        same_author.append(Comment.ip == candidate.ip)
    return (
        db.session.scalar(
            select(Comment.id)
            .where(
                comments_on(subject),
                Comment.body == body,
                or_(*same_author),
            )
            .limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class Submission:
    """A stored comment; `visible` says whether readers see it now;
    `repeated` when this was the same form sent again (nothing new stored)."""

    comment: Comment
    repeated: bool = False

    @property
    def visible(self) -> bool:
        return self.comment.status == CommentStatus.APPROVED


def _form_sent_before(sender: str, key: str | None) -> Comment | None:
    """The comment an earlier sending of this very form stored, if any."""
    first = submissions.earlier("comment", sender, key)
    return db.session.get(Comment, first) if first is not None else None


def submit_comment(
    subject: Subject,
    candidate: Candidate,
    parent_id: int | None = None,
    user_agent: str | None = None,
    notify_replies: bool = False,
    form_token: str | None = None,
) -> Submission:
    """Store a validated comment on an article or a page (`subject`), after
    the checks INTERFACE.md orders: CommentsClosed, CommentRejected (a name
    that looks like an account's, cms.services.commenter_names), TooFast
    (flood), CommentRejected (a word rule refuses it), Duplicate; then the
    spam pipeline sets its status, and the body and name are stored as the
    word rules left them; the name never holds invisible characters
    (cms.text.names.clean_name). Announces CommentsChanged (the counts follow
    it in the same transaction; a held comment's notice is queued with it).
    `candidate` must already be valid (the form checks shape).
    `notify_replies`: the author asked for an e-mail when someone replies
    (kept only when reply notices are on and mail is configured).

    `form_token`, the token of the form the comment came in: the same form
    sent again with the same text (a double click, a browser resending it)
    stores nothing and gets the comment the first one stored (`repeated`),
    before the flood and duplicate checks, which would refuse it; sent twice
    at once, the second waits for the first (cms.services.submissions).
    """
    now = utcnow()
    if not comments_open(subject, now):
        raise CommentsClosed("评论已关闭")
    email = candidate.author_email.strip().lower()
    sender = f"user:{candidate.user.id}" if candidate.user else f"email:{email}"
    key = f"{form_key(subject)}\n{form_token}\n{candidate.body}" if form_token else None
    first = _form_sent_before(sender, key)
    if first is not None:
        return Submission(first, repeated=True)
    candidate = replace(candidate, author_name=clean_name(candidate.author_name))
    if not candidate.author_name:
        raise CommentRejected("请填写昵称")
    if looks_like_an_account(
        candidate.author_name, candidate.user.id if candidate.user else None
    ):
        raise CommentRejected(LOOK_ALIKE_MESSAGE)
    check_flood(candidate.ip)
    verdict = assess(candidate, now)
    if verdict.rejected:
        raise CommentRejected(verdict.rejected)
    body = verdict.body if verdict.body is not None else candidate.body
    name = (
        verdict.author_name
        if verdict.author_name is not None
        else candidate.author_name
    )
    with write_transaction():
        # One poster at a time per article or page (SQLite: BEGIN IMMEDIATE
        # already), so two identical posts cannot both pass the duplicate check.
        db.session.execute(lock_subject(subject))
        if submissions.claim("comment", sender, key) is not None:
            first = _form_sent_before(sender, key)
            if first is not None:
                return Submission(first, repeated=True)
            raise Duplicate("这条评论已经发表过了")
        if _is_duplicate(subject, candidate, body):
            raise Duplicate("这条评论已经发表过了")
        parent = _parent_in(subject, parent_id)
        comment = Comment(
            **subject_columns(subject),
            parent_id=parent,
            author_name=name,
            author_email=email,
            author_url=candidate.author_url,
            body=body,
            status=verdict.status,
            reasons=verdict.reasons,
            ip=candidate.ip,
            user_agent=(user_agent or "")[:512] or None,
            user_id=candidate.user.id if candidate.user else None,
            created_at=now,
            notify_replies=notify_replies and reply_notices_offered(),
        )
        db.session.add(comment)
        db.session.flush()
        submissions.record("comment", sender, key, comment.id)
        move = CommentMove(
            comment.id, comment.article_id, None, verdict.status.value,
            comment.page_id,
        )  # fmt: skip
        emit(CommentsChanged.of_moves([move]))
    return Submission(comment)


def _parent_in(subject: Subject, parent_id: int | None) -> int | None:
    """The parent id when it names a comment of this article or page, else
    None (a reply to a vanished or foreign comment becomes a top-level one)."""
    if parent_id is None:
        return None
    found = db.session.scalar(
        select(Comment.id).where(Comment.id == parent_id, comments_on(subject))
    )
    return found


def purge_personal_data(now: datetime) -> int:
    """Clear IP and user agent of comments older than
    `comments.purge_personal_days`; returns how many rows changed."""
    cutoff = now - timedelta(days=current_settings()["comments.purge_personal_days"])
    with write_transaction():
        return db.session.execute(
            update(Comment)
            .where(
                Comment.created_at < cutoff,
                or_(Comment.ip.is_not(None), Comment.user_agent.is_not(None)),
            )
            .values(ip=None, user_agent=None),
            execution_options={"synchronize_session": False},
        ).rowcount
