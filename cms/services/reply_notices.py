"""Notices about comments, all through the outbox (never in the request):

- reply notices: a commenter who ticked 有人回复时用邮件通知我 gets an e-mail
  when a reply to their comment appears (posted visible, approved later, or
  written by an editor from the queue), naming the article, quoting the
  reply and linking to it, with one-click unsubscribe links (this article's
  thread, or every thread) signed for their address; at most
  `notify.reply_per_hour` notices an hour per address;
- owner notices: for each new comment, a message to `notify.owner_email`
  and a POST to `notify.webhook_url` (generic JSON, 企业微信, 钉钉, Server酱:
  cms.services.webhooks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse as parse_limit
from sqlalchemy import select, update

from cms.database import write_transaction
from cms.events import IMPORT, CommentsChanged
from cms.extensions import db, limiter
from cms.models import Article, Comment, CommentStatus, utcnow
from cms.services.comment_subjects import subject_title, subject_url
from cms.services.errors import InvalidInput
from cms.services.mail import Mail, mail_configured, mail_templates
from cms.services.outbox import enqueue_many
from cms.services.settings import current_settings
from cms.services.webhooks import CommentNews, Hook, build_hook, format_for

REPLY_KIND = "reply-notice"
OWNER_MAIL_KIND = "comment-owner-mail"
WEBHOOK_KIND = "comment-webhook"
UNSUBSCRIBE_PATH = "/comments/unsubscribe/"  # where cms.comments serves it
QUOTE_CHARS = 500
_SALT = "cms.reply-unsubscribe"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(email: str, article_id: int | None) -> str:
    """A signed token for `email`: one article's thread, or (None) all."""
    return _signer().dumps({"e": email.strip().lower(), "a": article_id or 0})


def unsubscribe_url(email: str, article_id: int | None) -> str:
    """The absolute address of the unsubscribe page for `email`."""
    return (
        current_app.config["SITE_URL"]
        + UNSUBSCRIBE_PATH
        + unsubscribe_token(email, article_id)
    )


@dataclass(frozen=True)
class Unsubscribe:
    """What an unsubscribe token names: an address and one article (None:
    every article)."""

    email: str
    article: Article | None

    @property
    def token_all(self) -> str:
        return unsubscribe_token(self.email, None)


def read_unsubscribe(token: str) -> Unsubscribe:
    """The token's address and article; InvalidInput when it was altered or
    names an article that no longer exists."""
    try:
        data = _signer().loads(token)
    except BadSignature:
        raise InvalidInput("退订链接无效：可能复制得不完整") from None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        raise InvalidInput("退订链接无效")
    article_id = data.get("a") or 0
    article = db.session.get(Article, article_id) if article_id else None
    if article_id and article is None:
        raise InvalidInput("这篇文章已经不存在了，不会再有它的回复提醒")
    return Unsubscribe(data["e"], article)


def unsubscribe(token: str) -> int:
    """Stop reply notices for the token's address (one article's thread, or
    all); returns how many comments were subscribed. Idempotent."""
    target = read_unsubscribe(token)
    with write_transaction():
        query = update(Comment).where(
            Comment.author_email == target.email, Comment.notify_replies.is_(True)
        )
        if target.article is not None:
            query = query.where(Comment.article_id == target.article.id)
        result = db.session.execute(
            query.values(notify_replies=False),
            execution_options={"synchronize_session": False},
        )
    return int(getattr(result, "rowcount", 0) or 0)


def _within_rate(email: str) -> bool:
    """Count one notice for `email`; False when it had its hourly share. A
    failing limiter store lets the notice through."""
    per_hour = current_settings()["notify.reply_per_hour"]
    item = parse_limit(f"{per_hour} per 1 hour")
    strategy = limiter.limiter
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "cms"
    try:
        return bool(strategy.hit(item, prefix, "reply-notice", email))
    except strategy.storage.base_exceptions:
        current_app.logger.warning("reply notice: rate-limit storage failed")
        return True


def queue_reply_notices(event: CommentsChanged) -> None:
    """In-transaction handler: for each reply that became visible (posted
    approved, or approved from pending; not imported), queue one outbox row
    when its parent's author asked for notices, is another address, and is
    within the hourly limit. Each reply is considered once
    (parent_notified_at): approving it again sends nothing more."""
    if event.origin == IMPORT or not mail_configured():
        return
    ids = [m.comment_id for m in event.moves
           if m.after == CommentStatus.APPROVED.value
           and m.before in (None, CommentStatus.PENDING.value)]  # fmt: skip
    if not ids:
        return
    replies = db.session.execute(
        select(Comment.id, Comment.parent_id, Comment.author_email).where(
            Comment.id.in_(ids),
            Comment.parent_id.is_not(None),
            Comment.parent_notified_at.is_(None),
        )
    ).all()
    if not replies:
        return
    parents = {
        row.id: row
        for row in db.session.execute(
            select(Comment.id, Comment.author_email).where(
                Comment.id.in_({r.parent_id for r in replies}),
                Comment.notify_replies.is_(True),
                Comment.status == CommentStatus.APPROVED,
                Comment.author_email != "",
            )
        )
    }
    considered, payloads = [], []
    for reply in replies:
        parent = parents.get(reply.parent_id)
        if parent is None or parent.author_email == reply.author_email:
            continue
        considered.append(reply.id)
        if _within_rate(parent.author_email):
            payloads.append({"reply": reply.id})
    if considered:
        db.session.execute(
            update(Comment).where(Comment.id.in_(considered))
            .values(parent_notified_at=utcnow()),
            execution_options={"synchronize_session": False},
        )  # fmt: skip
    enqueue_many(REPLY_KIND, payloads)


def _quote(body: str) -> str:
    text = body.strip()
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1] + "…"
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def _comment_url(comment: Comment) -> str:
    return f"{subject_url(comment.subject)}#comment-{comment.id}"


def reply_mail(reply: Comment, parent: Comment) -> Mail:
    """The notice to `parent`'s author about `reply`."""
    site = current_settings()["site.name"]
    title = subject_title(reply.subject)
    every = unsubscribe_url(parent.author_email, None)
    # A page's thread has no link of its own: its header offers stopping all.
    thread = (
        unsubscribe_url(parent.author_email, reply.article_id)
        if reply.article_id is not None
        else None
    )
    text = mail_templates().get_template("email/reply_notice.txt").render(
        site_name=site, article_title=title, parent=parent, reply=reply,
        parent_quote=_quote(parent.body), reply_quote=_quote(reply.body),
        reply_url=_comment_url(reply), thread_unsubscribe=thread,
        all_unsubscribe=every,
    )  # fmt: skip
    return Mail(
        to=parent.author_email,
        subject=f"[{site}] {reply.author_name} 回复了你在《{title}》的评论",
        text=text,
        headers=(("List-Unsubscribe", f"<{thread or every}>"),
                 ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")),
    )  # fmt: skip


def compose_reply_mail(payload: dict[str, Any]) -> list[Mail]:
    """The outbox's composer for REPLY_KIND rows: the notice, as things are
    now: nothing when the reply is no longer visible, or its parent's author
    unsubscribed meanwhile."""
    reply = db.session.get(Comment, payload["reply"])
    if reply is None or reply.status != CommentStatus.APPROVED or reply.parent is None:
        return []
    parent = reply.parent
    if not parent.notify_replies or not parent.author_email:
        return []
    if parent.author_email in payload.get("done", ()):
        return []
    return [reply_mail(reply, parent)]


# --- the site owner's notices -------------------------------------------------


def queue_owner_notices(event: CommentsChanged) -> None:
    """In-transaction handler: for each new comment (not imported, not spam,
    not written from a staff account), queue a message to
    `notify.owner_email` and a POST to `notify.webhook_url` when set."""
    if event.origin == IMPORT:
        return
    settings = current_settings()
    address, url = settings["notify.owner_email"], settings["notify.webhook_url"]
    if not address and not url:
        return
    new = [m.comment_id for m in event.moves
           if m.before is None and m.after != CommentStatus.SPAM.value]  # fmt: skip
    if not new:
        return
    ids = list(
        db.session.scalars(
            select(Comment.id).where(Comment.id.in_(new), Comment.user_id.is_(None))
        )
    )
    if address:
        enqueue_many(OWNER_MAIL_KIND, [{"comment": i, "to": address} for i in ids])
    if url:
        enqueue_many(WEBHOOK_KIND, [{"comment": i, "url": url} for i in ids])


def _news(comment: Comment) -> CommentNews:
    return CommentNews(
        site=current_settings()["site.name"],
        article_title=subject_title(comment.subject),
        article_url=subject_url(comment.subject),
        comment_id=comment.id,
        comment_url=_comment_url(comment),
        author=comment.author_name,
        body=comment.body.strip(),
        status=comment.status.value,
        created_at=comment.created_at.isoformat(),
    )


def compose_owner_mail(payload: dict[str, Any]) -> list[Mail]:
    """The owner's message about one new comment (nothing once deleted)."""
    comment = db.session.get(Comment, payload["comment"])
    if comment is None or payload["to"] in payload.get("done", ()):
        return []
    news = _news(comment)
    queue = current_app.config["SITE_URL"] + "/moderation/comments?status=pending"
    text = (
        mail_templates()
        .get_template("email/new_comment.txt")
        .render(
            news=news, quote=_quote(comment.body), queue_url=queue, site_name=news.site
        )
    )
    return [Mail(to=payload["to"], subject=f"[{news.site}] {news.title}", text=text)]


def compose_owner_hook(payload: dict[str, Any]) -> list[Hook]:
    """The webhook POST about one new comment, in the shape the setting
    chooses (as it is when sent); nothing once the comment was deleted."""
    comment = db.session.get(Comment, payload["comment"])
    if comment is None:
        return []
    url = payload["url"]
    shape = format_for(url, current_settings()["notify.webhook_format"])
    return [build_hook(url, shape, _news(comment))]
