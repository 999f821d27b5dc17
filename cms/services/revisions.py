"""Revisions of articles and pages: every save keeps one, any two compare,
and an old one can be brought back (by the document's own service).

A revision is a Snapshot: the texts (title, Markdown, excerpt) and the other
fields as plain JSON values. Which fields a document has is its service's
business (cms.services.editorial for articles, cms.services.pages for pages);
this module stores, lists and compares snapshots of either kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Revision, User
from cms.services.errors import NotFound
from cms.text.diff import DiffLine, diff_lines

TargetType = Literal["article", "page"]


@dataclass(frozen=True)
class Snapshot:
    """A document's state: what a revision keeps and a diff compares."""

    title: str
    body_markdown: str
    excerpt: str = ""
    fields: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, revision: Revision) -> Snapshot:
        """The state a revision kept."""
        return cls(
            revision.title,
            revision.body_markdown,
            revision.excerpt,
            dict(revision.fields or {}),
        )


def record_revision(
    target_type: TargetType,
    target_id: int,
    snapshot: Snapshot,
    author: User | None,
    note: str = "",
) -> Revision:
    """Keep `snapshot` as the document's next revision (numbered from 1).
    Call inside the write transaction that saves the document, so the two are
    stored together; the (type, id, number) unique key refuses a second
    revision with the same number from a racing save."""
    last = db.session.scalar(
        select(func.max(Revision.number)).where(
            Revision.target_type == target_type, Revision.target_id == target_id
        )
    )
    revision = Revision(
        target_type=target_type,
        target_id=target_id,
        number=(last or 0) + 1,
        title=snapshot.title,
        body_markdown=snapshot.body_markdown,
        excerpt=snapshot.excerpt,
        fields=snapshot.fields,
        note=note[:200],
        author_id=author.id if author is not None else None,
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def revisions_of(target_type: TargetType, target_id: int) -> list[Revision]:
    """Every revision of a document, newest first."""
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.target_type == target_type, Revision.target_id == target_id)
            .order_by(Revision.number.desc())
        )
    )


def get_revision(target_type: TargetType, target_id: int, number: int) -> Revision:
    """One revision of a document by its number, or NotFound."""
    revision = db.session.scalar(
        select(Revision).where(
            Revision.target_type == target_type,
            Revision.target_id == target_id,
            Revision.number == number,
        )
    )
    if revision is None:
        raise NotFound(f"{target_type} {target_id} revision {number}")
    return revision


def forget_revisions(target_type: TargetType, target_id: int) -> None:
    """Delete a document's revisions (when the document itself is deleted for
    good). Call inside its write transaction."""
    db.session.execute(
        Revision.__table__.delete().where(
            Revision.target_type == target_type, Revision.target_id == target_id
        )
    )


@dataclass(frozen=True)
class FieldChange:
    """One non-text field that differs between two snapshots."""

    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Comparison:
    """What differs from `old` to `new`: the title, line diffs of the body and
    the excerpt (empty when equal), and the other fields that changed."""

    title: tuple[str, str] | None
    body: list[DiffLine]
    excerpt: list[DiffLine]
    fields: list[FieldChange]

    @property
    def same(self) -> bool:
        return not (self.title or self.body or self.excerpt or self.fields)


def compare(old: Snapshot, new: Snapshot) -> Comparison:
    """Compare two snapshots (e.g. two revisions, or the saved state and an
    edit that arrived too late)."""
    names = sorted(set(old.fields) | set(new.fields))
    return Comparison(
        title=(old.title, new.title) if old.title != new.title else None,
        body=diff_lines(old.body_markdown, new.body_markdown),
        excerpt=diff_lines(old.excerpt, new.excerpt),
        fields=[
            FieldChange(name, old.fields.get(name), new.fields.get(name))
            for name in names
            if old.fields.get(name) != new.fields.get(name)
        ],
    )
