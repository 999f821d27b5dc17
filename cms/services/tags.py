"""Managing tags: the list with article counts, rename, merge and delete.
An old slug (renamed or merged away) keeps answering, 301 to the tag it now
leads to. Every change is audited and announced (TaxonomyChanged)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update

from cms.database import write_transaction
from cms.events import TaxonomyChanged, emit
from cms.extensions import db
from cms.models import Tag, TagRedirect, User, article_tags
from cms.services.audit import record
from cms.services.errors import InvalidInput, NotFound
from cms.text.slug import slugify

MAX_NAME = 100


@dataclass(frozen=True)
class TagRow:
    tag: Tag
    articles: int


def tag_rows() -> list[TagRow]:
    """Every tag with how many articles carry it, by name."""
    counts = (
        select(article_tags.c.tag_id, func.count().label("n"))
        .group_by(article_tags.c.tag_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Tag, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.tag_id == Tag.id)
        .order_by(Tag.name)
    )
    return [TagRow(tag, int(n)) for tag, n in rows]


def _tag(tag_id: int) -> Tag:
    tag = db.session.get(Tag, tag_id, with_for_update=True)
    if tag is None:
        raise NotFound(f"tag {tag_id}")
    return tag


def rename_tag(tag_id: int, name: str, slug: str, actor: User | None) -> Tag:
    """New name and slug (from the name when empty); the old slug redirects.
    InvalidInput when the name or slug belongs to another tag."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"标签名须为 1-{MAX_NAME} 个字符")
    slug = slugify(slug or name)
    with write_transaction():
        tag = _tag(tag_id)
        other = db.session.scalar(
            select(Tag).where((Tag.name == name) | (Tag.slug == slug), Tag.id != tag.id)
        )
        if other is not None:
            raise InvalidInput(
                f"已有标签“{other.name}”使用这个名称或别名，可以改用合并"
            )
        before = {"name": tag.name, "slug": tag.slug}
        if slug != tag.slug:
            db.session.execute(delete(TagRedirect).where(TagRedirect.old_slug == slug))
            db.session.add(TagRedirect(old_slug=tag.slug, tag_id=tag.id))
        tag.name, tag.slug = name, slug
        record(
            actor,
            "tag-rename",
            "tag",
            [tag.id],
            {str(tag.id): {"from": before, "to": {"name": name, "slug": slug}}},
        )
        emit(TaxonomyChanged("tag", (tag.id,)))
    return tag


def merge_tags(source_id: int, target_id: int, actor: User | None) -> Tag:
    """Move the source's articles to the target and remove the source; its
    slug answers 301 to the target."""
    if source_id == target_id:
        raise InvalidInput("不能把标签合并到它自己")
    with write_transaction():
        source, target = _tag(source_id), _tag(target_id)
        articles = list(
            db.session.scalars(
                select(article_tags.c.article_id).where(
                    article_tags.c.tag_id == source.id
                )
            )
        )
        already = set(
            db.session.scalars(
                select(article_tags.c.article_id).where(
                    article_tags.c.tag_id == target.id
                )
            )
        )
        moving = [a for a in articles if a not in already]
        if moving:
            db.session.execute(
                insert(article_tags),
                [{"article_id": a, "tag_id": target.id} for a in moving],
            )
        old_slug, old_name = source.slug, source.name
        db.session.execute(
            update(TagRedirect)
            .where(TagRedirect.tag_id == source.id)
            .values(tag_id=target.id),
            execution_options={"synchronize_session": False},
        )
        db.session.delete(source)
        db.session.flush()
        db.session.add(TagRedirect(old_slug=old_slug, tag_id=target.id))
        record(
            actor,
            "tag-merge",
            "tag",
            [source_id, target_id],
            {old_name: {"merged_into": target.name, "articles": len(articles)}},
        )
        emit(TaxonomyChanged("tag", (source_id, target_id)))
    return target


def delete_tag(tag_id: int, actor: User | None) -> None:
    """Remove the tag from its articles and delete it (its URL answers 404)."""
    with write_transaction():
        tag = _tag(tag_id)
        count = db.session.scalar(
            select(func.count()).where(article_tags.c.tag_id == tag.id)
        )
        name = tag.name
        db.session.delete(tag)
        record(actor, "tag-delete", "tag", [tag_id], {name: {"count": count or 0}})
        emit(TaxonomyChanged("tag", (tag_id,)))


def tag_redirect(slug: str) -> str | None:
    """The slug an old tag slug now leads to, or None."""
    return db.session.scalar(
        select(Tag.slug)
        .join(TagRedirect, TagRedirect.tag_id == Tag.id)
        .where(TagRedirect.old_slug == slug)
    )
