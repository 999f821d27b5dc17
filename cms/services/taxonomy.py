"""Categories and tags: finding them by name, creating them with unique slugs."""

from __future__ import annotations

from sqlalchemy import select

from cms.extensions import db
from cms.models import Category, Tag
from cms.services.errors import InvalidInput
from cms.text.slug import slugify


def _unique_slug(model: type[Category] | type[Tag], name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while db.session.scalar(select(model.id).where(model.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def category_named(name: str, parent: Category | None = None) -> Category:
    """The category with this name, created (with a unique pinyin slug) when
    missing. Call inside a write transaction."""
    name = name.strip()
    if not name:
        raise InvalidInput("分类名称不能为空")
    category = db.session.scalar(select(Category).where(Category.name == name))
    if category is None:
        category = Category(name=name, slug=_unique_slug(Category, name), parent=parent)
        db.session.add(category)
        db.session.flush()
    return category


def tags_named(names: list[str]) -> list[Tag]:
    """The tags with these names (blank and repeated names dropped), created when
    missing. Call inside a write transaction."""
    tags: list[Tag] = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        if len(name) > 100:
            raise InvalidInput("标签最多 100 个字符")
        tag = db.session.scalar(select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name, slug=_unique_slug(Tag, name))
            db.session.add(tag)
            db.session.flush()
        tags.append(tag)
    return tags
