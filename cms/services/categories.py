"""Category administration: creating, renaming, moving, merging and deleting
categories in the tree.

What it guarantees: each change is one write transaction that stores nothing
when a rule is broken (FieldError, or NotFound for an unknown category);
names and slugs stay unique and the tree never gets a loop, even with two
editors at once (the rows are locked); every change is audited
(`category-*`); a slug given up by a rename, or by a merge or a delete that
moved the articles, keeps answering 301 through a CategoryRedirect. Finding
categories and tags (what articles use) is cms.services.taxonomy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from cms.database import write_transaction
from cms.events import TaxonomyChanged, emit
from cms.extensions import db
from cms.models import Article, Category, CategoryRedirect, MenuItem, User
from cms.services.audit import record
from cms.services.errors import FieldError
from cms.services.taxonomy import descendant_ids, get_category, unique_slug
from cms.text.slug import slugify

MAX_NAME_LENGTH = 100
MAX_SLUG_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 2000
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# -- checks shared by the writing services ------------------------------------


def _clean_name(name: str, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise FieldError("name", "请填写分类名称")
    if len(name) > MAX_NAME_LENGTH:
        raise FieldError("name", f"分类名称最多 {MAX_NAME_LENGTH} 个字符")
    query = select(Category.id).where(Category.name == name)
    if exclude_id is not None:
        query = query.where(Category.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise FieldError("name", f"已有名为“{name}”的分类")
    return name


def _clean_slug(slug: str, name: str, current: Category | None = None) -> str:
    """The slug asked for (lowercased), checked; empty means pinyin of the
    name (unchanged when the category's slug already derives from it)."""
    slug = (slug or "").strip().lower()
    if not slug:
        if current is not None and re.fullmatch(
            re.escape(slugify(name)) + r"(-\d+)?", current.slug
        ):
            return current.slug
        return unique_slug(Category, name)
    if len(slug) > MAX_SLUG_LENGTH:
        raise FieldError("slug", f"别名最多 {MAX_SLUG_LENGTH} 个字符")
    if not _SLUG.fullmatch(slug):
        raise FieldError(
            "slug", "别名只能包含小写字母、数字和连字符（-），且不能以连字符开头或结尾"
        )
    query = select(Category.id).where(Category.slug == slug)
    if current is not None:
        query = query.where(Category.id != current.id)
    if db.session.scalar(query) is not None:
        raise FieldError("slug", f"别名“{slug}”已被其他分类使用")
    return slug


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise FieldError("description", f"描述最多 {MAX_DESCRIPTION_LENGTH} 个字符")
    return description


def _existing(category_id: int, field: str, missing: str) -> Category:
    category = db.session.get(Category, category_id, populate_existing=True)
    if category is None:
        raise FieldError(field, missing)
    return category


def _locked_tree() -> dict[int, int | None]:
    """{id: parent_id} of every category, the rows locked (PostgreSQL) so two
    structural changes at once cannot build a loop between them."""
    rows = db.session.execute(
        select(Category.id, Category.parent_id).order_by(Category.id).with_for_update()
    )
    return dict(rows.all())


def _take_slug(slug: str) -> str | None:
    """Let a category use `slug`: a redirect that answered with it goes (the
    slug now names a live category). Returns the slug when one went."""
    gone = db.session.execute(
        delete(CategoryRedirect).where(CategoryRedirect.old_slug == slug)
    ).rowcount
    return slug if gone else None


def _redirect(old_slug: str, category_id: int) -> None:
    existing = db.session.get(CategoryRedirect, old_slug)
    if existing is None:
        db.session.add(CategoryRedirect(old_slug=old_slug, category_id=category_id))
    else:
        existing.category_id = category_id
    db.session.flush()


def _slug_clash() -> FieldError:
    # Two editors took the same slug at once; the second is refused.
    return FieldError("slug", "别名刚被其他分类使用，请换一个")


# -- writing -----------------------------------------------------------------


def create_category(
    name: str,
    actor: User | None,
    slug: str = "",
    parent_id: int | None = None,
    description: str = "",
) -> Category:
    """Store a new category under `parent_id` (None: top level). The slug is
    the one given (checked: lowercase letters, digits, hyphens; unused) or
    readable pinyin of the name. FieldError for an empty, over-long or
    duplicate name, a bad or used slug, an unknown parent; nothing is stored
    then. Audited as `category-create`."""
    try:
        with write_transaction():
            name = _clean_name(name)
            slug = _clean_slug(slug, name)
            description = _clean_description(description)
            if parent_id is not None:
                _existing(parent_id, "parent", "上级分类不存在")
            taken = _take_slug(slug)
            category = Category(
                name=name, slug=slug, parent_id=parent_id, description=description
            )
            db.session.add(category)
            db.session.flush()
            changes = {
                str(category.id): {
                    "from": None,
                    "to": {"name": name, "slug": slug, "parent_id": parent_id},
                }
            }
            if taken:
                changes["redirect_removed"] = taken
            record(actor, "category-create", "category", [category.id], changes)
            emit(TaxonomyChanged("category", (category.id,)))
    except IntegrityError:
        raise _slug_clash() from None
    return category


def update_category(
    category_id: int,
    actor: User | None,
    name: str,
    slug: str = "",
    description: str = "",
) -> bool:
    """Rename a category: name, slug (empty: pinyin of the name) and
    description. A changed slug leaves the old one answering 301 to the
    category. Returns False when nothing changed (nothing recorded). NotFound
    for an unknown category; FieldError as for create. Audited as
    `category-update` with the changed fields, from and to."""
    try:
        with write_transaction():
            category = get_category(category_id, lock=True)
            wanted = {
                "name": _clean_name(name, exclude_id=category.id),
                "description": _clean_description(description),
            }
            wanted["slug"] = _clean_slug(slug, wanted["name"], current=category)
            before = {key: getattr(category, key) for key in wanted}
            changed = [key for key in wanted if wanted[key] != before[key]]
            if not changed:
                return False
            changes: dict = {
                str(category.id): {
                    "from": {key: before[key] for key in changed},
                    "to": {key: wanted[key] for key in changed},
                }
            }
            if "slug" in changed:
                taken = _take_slug(wanted["slug"])
                if taken:
                    changes["redirect_removed"] = taken
            for key in changed:
                setattr(category, key, wanted[key])
            db.session.flush()
            if "slug" in changed:
                _redirect(before["slug"], category.id)
                changes["redirect_added"] = before["slug"]
            record(actor, "category-update", "category", [category.id], changes)
            emit(TaxonomyChanged("category", (category.id,)))
    except IntegrityError:
        raise _slug_clash() from None
    return True


def _parent_label(parent_id: int | None) -> dict:
    if parent_id is None:
        return {"parent_id": None, "parent": "（顶级）"}
    return {"parent_id": parent_id, "parent": db.session.get(Category, parent_id).name}


def move_category(category_id: int, parent_id: int | None, actor: User | None) -> bool:
    """Put a category under another one (None: the top level), its own
    subcategories coming along. Refuses (FieldError) the category itself or
    one of its descendants as the parent (a loop), and an unknown parent.
    Returns False when it is already there. Audited as `category-move`."""
    with write_transaction():
        parents = _locked_tree()
        category = get_category(category_id, lock=True)
        if parent_id is not None:
            if parent_id == category.id or parent_id in descendant_ids(
                category.id, parents
            ):
                raise FieldError("parent", "不能把分类移到它自己或它的下级分类之下")
            _existing(parent_id, "parent", "上级分类不存在")
        if category.parent_id == parent_id:
            return False
        changes = {
            str(category.id): {
                "from": _parent_label(category.parent_id),
                "to": _parent_label(parent_id),
            }
        }
        category.parent_id = parent_id
        db.session.flush()
        record(actor, "category-move", "category", [category.id], changes)
        emit(TaxonomyChanged("category", (category.id,)))
    return True


@dataclass(frozen=True)
class Folded:
    """What a merge or a delete did: where the articles went and how many."""

    target: Category | None
    articles: int


def _fold_into(category: Category, target: Category, changes: dict) -> None:
    """Send the category's articles, URLs (its slug and every redirect that
    led to it) and menu links to `target`; record them in `changes`."""
    article_ids = list(
        db.session.scalars(
            select(Article.id)
            .where(Article.category_id == category.id)
            .order_by(Article.id)
        )
    )
    db.session.execute(
        update(Article)
        .where(Article.category_id == category.id)
        .values(category_id=target.id)
    )
    old_slugs = list(
        db.session.scalars(
            select(CategoryRedirect.old_slug)
            .where(CategoryRedirect.category_id == category.id)
            .order_by(CategoryRedirect.old_slug)
        )
    )
    db.session.execute(
        update(CategoryRedirect)
        .where(CategoryRedirect.category_id == category.id)
        .values(category_id=target.id)
    )
    _redirect(category.slug, target.id)
    # Menu links to the category follow it too (they would go with it).
    menu_items = db.session.scalars(
        update(MenuItem)
        .where(MenuItem.category_id == category.id)
        .values(category_id=target.id)
        .returning(MenuItem.id),
        execution_options={"synchronize_session": False},
    ).all()
    if menu_items:
        changes["menu_items"] = sorted(menu_items)
    changes["articles"] = article_ids
    changes["redirects"] = {"from": [category.slug, *old_slugs], "to": target.slug}


def _move_children(children: list[int], parent_id: int | None, changes: dict):
    if children:
        db.session.execute(
            update(Category)
            .where(Category.id.in_(children))
            .values(parent_id=parent_id)
        )
        changes["children"] = {"ids": children, "to_parent_id": parent_id}


def _snapshot(category: Category) -> dict:
    return {
        "name": category.name,
        "slug": category.slug,
        "parent_id": category.parent_id,
        "description": category.description,
    }


def merge_categories(source_id: int, target_id: int, actor: User | None) -> Folded:
    """Merge `source` into `target`: every article of the source moves to the
    target, the source's subcategories move under the target, the source is
    deleted, and its slug and every old slug that led to it now answer 301 to
    the target (so a chain of merges never makes a chain of redirects).
    A target below the source first moves up to the source's place. FieldError
    for merging into itself or into an unknown category. Audited as
    `category-merge` with the moved article ids."""
    if source_id == target_id:
        raise FieldError("target", "不能把分类合并到它自己")
    with write_transaction():
        parents = _locked_tree()
        source = get_category(source_id, lock=True)
        target = _existing(target_id, "target", "目标分类不存在")
        changes: dict = {
            str(source.id): {
                "from": _snapshot(source),
                "to": {"merged_into": target.id},
            }
        }
        if target.id in descendant_ids(source.id, parents):
            changes[str(target.id)] = {
                "from": {"parent_id": target.parent_id},
                "to": {"parent_id": source.parent_id},
            }
            target.parent_id = source.parent_id
            db.session.flush()
        children = sorted(
            cid for cid, pid in parents.items() if pid == source.id and cid != target.id
        )
        _move_children(children, target.id, changes)
        _fold_into(source, target, changes)
        db.session.delete(source)
        db.session.flush()
        record(actor, "category-merge", "category", [source_id, target.id], changes)
        emit(TaxonomyChanged("category", (source_id, target.id)))
    return Folded(target, len(changes["articles"]))


def delete_category(
    category_id: int, actor: User | None, move_to_id: int | None = None
) -> Folded:
    """Delete a category; its subcategories move up to its parent. A category
    with articles is deleted only with `move_to_id`: its articles, slug and
    old slugs then go to that category (301). Without one, FieldError while
    it holds articles, and the redirects that led to it go with it. Audited
    as `category-delete` with a snapshot and the moved article ids."""
    with write_transaction():
        parents = _locked_tree()
        category = get_category(category_id, lock=True)
        count = db.session.scalar(
            select(func.count(Article.id)).where(Article.category_id == category.id)
        )
        if move_to_id == category.id:
            raise FieldError("move_to", "不能把文章移到要删除的分类本身")
        if count and move_to_id is None:
            raise FieldError(
                "move_to", f"这个分类下还有 {count} 篇文章：请选择把它们移到哪个分类"
            )
        target = None
        if move_to_id is not None:
            target = _existing(move_to_id, "move_to", "目标分类不存在")
        changes: dict = {str(category.id): {"from": _snapshot(category), "to": None}}
        children = sorted(cid for cid, pid in parents.items() if pid == category.id)
        _move_children(children, category.parent_id, changes)
        if target is not None:
            changes["moved_to"] = target.id
            _fold_into(category, target, changes)
        else:
            gone = db.session.scalars(
                delete(CategoryRedirect)
                .where(CategoryRedirect.category_id == category.id)
                .returning(CategoryRedirect.old_slug)
            ).all()
            if gone:
                changes["redirects_removed"] = sorted(gone)
        db.session.delete(category)
        db.session.flush()
        ids = [category_id] + ([target.id] if target is not None else [])
        record(actor, "category-delete", "category", ids, changes)
        emit(TaxonomyChanged("category", tuple(ids)))
    return Folded(target, count or 0)
