"""Categories and tags as articles use them: finding them by name (created
with a unique pinyin slug when missing), the category tree, and where an old
category slug now leads. Changing the category tree (create, rename, move,
merge, delete) is cms.services.categories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, Category, CategoryRedirect, Tag
from cms.services.errors import InvalidInput, NotFound
from cms.text.slug import slugify


def _slug_taken(model: type[Category] | type[Tag], slug: str) -> bool:
    if db.session.scalar(select(model.id).where(model.slug == slug)) is not None:
        return True
    # A category never takes by itself a slug an old URL still answers with.
    return model is Category and db.session.get(CategoryRedirect, slug) is not None


def unique_slug(model: type[Category] | type[Tag], name: str) -> str:
    """A slug for `name` (readable pinyin) that no row of `model` uses and no
    old category slug still redirects: `-2`, `-3` … appended when needed."""
    base = slugify(name)
    slug, n = base, 2
    while _slug_taken(model, slug):
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
        category = Category(name=name, slug=unique_slug(Category, name), parent=parent)
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
            tag = Tag(name=name, slug=unique_slug(Tag, name))
            db.session.add(tag)
            db.session.flush()
        tags.append(tag)
    return tags


# -- reading the tree --------------------------------------------------------


@dataclass(frozen=True)
class CategoryNode:
    """One category of the tree, its depth (0 = top level) and how many
    articles it holds itself (every status; subcategories not included)."""

    category: Category
    depth: int
    article_count: int


def category_tree() -> list[CategoryNode]:
    """Every category, depth first, siblings by position then name: two
    queries whatever the size. A category whose parent chain loops (which the
    services never make) is listed at the top level rather than lost."""
    categories = db.session.scalars(
        select(Category).order_by(Category.position, Category.name, Category.id)
    ).all()
    counts = dict(
        db.session.execute(
            select(Article.category_id, func.count(Article.id))
            .where(Article.category_id.is_not(None))
            .group_by(Article.category_id)
        ).all()
    )
    known = {c.id for c in categories}
    children: dict[int | None, list[Category]] = {}
    for c in categories:
        parent = c.parent_id if c.parent_id in known else None
        children.setdefault(parent, []).append(c)
    nodes: list[CategoryNode] = []
    seen: set[int] = set()

    def walk(category: Category, depth: int) -> None:
        seen.add(category.id)
        nodes.append(CategoryNode(category, depth, counts.get(category.id, 0)))
        for child in children.get(category.id, []):
            if child.id not in seen:
                walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    for c in categories:
        if c.id not in seen:
            walk(c, 0)
    return nodes


def get_category(category_id: int, lock: bool = False) -> Category:
    """The category as stored now (not a copy the session kept), or NotFound;
    `lock` locks its row (PostgreSQL) for the write transaction."""
    category = db.session.get(
        Category, category_id, populate_existing=True, with_for_update=lock or None
    )
    if category is None:
        raise NotFound(str(category_id))
    return category


def descendant_ids(
    category_id: int, parents: dict[int, int | None] | None = None
) -> set[int]:
    """Ids of every category below this one, at any depth (not itself)."""
    if parents is None:
        parents = dict(
            db.session.execute(select(Category.id, Category.parent_id)).all()
        )
    children: dict[int | None, list[int]] = {}
    for cid, parent_id in parents.items():
        children.setdefault(parent_id, []).append(cid)
    found: set[int] = set()
    queue = [category_id]
    while queue:
        for child in children.get(queue.pop(), []):
            if child not in found and child != category_id:
                found.add(child)
                queue.append(child)
    return found


def redirect_target(slug: str) -> str | None:
    """The slug an old category slug now leads to (after a rename, a merge
    or a delete that moved the articles), or None."""
    return db.session.scalar(
        select(Category.slug)
        .join(CategoryRedirect, CategoryRedirect.category_id == Category.id)
        .where(CategoryRedirect.old_slug == slug)
    )
