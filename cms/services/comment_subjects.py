"""What a comment is on: an article, or a standalone page (a 留言板 …).

The comment services (receiving, threads, moderation, notices) take either
as a `Subject` and ask this module for what differs between the two, so
that both kinds of comments go through the same code. Guarantees: a
comment row names exactly one subject (the `one_subject` CHECK), and
`comments_on(subject)` selects exactly that subject's comments.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, select

from cms.models import Article, Comment, Page
from cms.services.attribution import canonical_url
from cms.services.published import PublishedArticle

# An article as the ORM loads it (writing, moderation) or as its public page
# reads it (cms.services.published): what differs is only ever Page or not.
Subject = Article | Page | PublishedArticle


def comments_on(subject: Subject) -> ColumnElement[bool]:
    """The WHERE clause for this subject's comments (served by the
    (article_id|page_id, status, created_at) indexes)."""
    if isinstance(subject, Page):
        return Comment.page_id == subject.id
    return Comment.article_id == subject.id


def subject_columns(subject: Subject) -> dict[str, Any]:
    """The values naming the subject on a new comment row."""
    if isinstance(subject, Page):
        return {"article_id": None, "page_id": subject.id}
    return {"article_id": subject.id, "page_id": None}


def is_on(comment: Comment, subject: Subject) -> bool:
    """Whether `comment` is one of the subject's comments."""
    if isinstance(subject, Page):
        return comment.page_id == subject.id
    return comment.article_id == subject.id


def lock_subject(subject: Subject) -> Select:
    """A SELECT … FOR UPDATE of the subject's row: one poster at a time."""
    model = Page if isinstance(subject, Page) else Article
    return select(model.id).where(model.id == subject.id).with_for_update()


def subject_title(subject: Subject) -> str:
    """The title readers see, on one line (for mail subjects and lists): an
    article's through the word rules (public_title), a page's as written."""
    title = subject.title if isinstance(subject, Page) else subject.public_title
    return " ".join(title.split())


def subject_url(subject: Subject) -> str:
    """Its one public address, under SITE_URL."""
    if isinstance(subject, Page):
        return f"{current_app.config['SITE_URL']}/page/{subject.slug}/"
    return canonical_url(subject)


def form_key(subject: Subject) -> str:
    """What a comment-form token is bound to: the article's public id, or
    `page-<id>` (never 16 characters of [0-9A-Za-z], so never an article's)."""
    if isinstance(subject, Page):
        return f"page-{subject.id}"
    return subject.public_id
