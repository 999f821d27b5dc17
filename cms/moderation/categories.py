"""The categories page (editors and admins): the tree with article counts, a
create form, and per category renaming, moving, merging and deleting. Every
change is audited; old slugs keep answering 301 on the public site."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from cms.extensions import db
from cms.forms import BaseForm, submission_key
from cms.models import Category
from cms.moderation.category_forms import (
    CategoryCreateForm,
    CategoryDeleteForm,
    CategoryMergeForm,
    CategoryMoveForm,
    CategoryUpdateForm,
    tree_choices,
)
from cms.moderation.views import bp
from cms.services import submissions
from cms.services.categories import (
    create_category,
    delete_category,
    merge_categories,
    move_category,
    update_category,
)
from cms.services.errors import InvalidInput
from cms.services.taxonomy import category_tree, descendant_ids

TOP = "（顶级分类）"


def _field_error(form: BaseForm, error: InvalidInput) -> None:
    """Show a service's refusal beside the field it is about (or atop the form)."""
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = [*form[field].errors, str(error)]
    else:
        form.form_errors.append(str(error))


def _back():
    return redirect(url_for("moderation.categories"), 303)


def _list_page(form: CategoryCreateForm, status: int = 200):
    nodes = category_tree()
    form.parent.choices = tree_choices(nodes, TOP)
    page = render_template("moderation/categories.html", nodes=nodes, form=form)
    return page, status


@bp.get("/categories")
def categories():
    """The tree, indented, with each category's article count and URL."""
    return _list_page(CategoryCreateForm(formdata=None))


@bp.post("/categories")
def category_create():
    """Create a category; 400 with the form and its errors when refused."""
    form = CategoryCreateForm()
    if form.validate():
        try:  # sent twice (a double click): the category the first one made
            category = submissions.once(
                "category",
                f"user:{current_user.id}",
                submission_key(),
                lambda: create_category(
                    form.name.data,
                    current_user,
                    slug=form.slug.data,
                    parent_id=form.parent.data or None,
                    description=form.description.data,
                ),
                Category,
            )
        except InvalidInput as error:
            _field_error(form, error)
        else:
            flash(
                f"已新建分类“{category.name}”（/category/{category.slug}/）。",
                "success",
            )
            return _back()
    return _list_page(form, 400)


def _edit_page(category: Category, status: int = 200, **forms: BaseForm):
    """The category's page: its four forms, the one that failed with its errors."""
    nodes = category_tree()
    node = next(n for n in nodes if n.category.id == category.id)
    update = forms.get("update") or CategoryUpdateForm(formdata=None, obj=category)
    move = forms.get("move") or CategoryMoveForm(
        formdata=None, parent=category.parent_id or 0
    )
    below = descendant_ids(category.id)
    move.parent.choices = tree_choices(nodes, TOP, skip={category.id, *below})
    merge = forms.get("merge") or CategoryMergeForm(formdata=None)
    merge.target.choices = tree_choices(nodes, "请选择…", skip={category.id})
    delete = forms.get("delete") or CategoryDeleteForm(formdata=None)
    delete.move_to.choices = tree_choices(
        nodes, "不移动（分类中没有文章时）", skip={category.id}
    )
    page = render_template(
        "moderation/category_edit.html", node=node, category=category,
        update=update, move=move, merge=merge, delete=delete,
    )  # fmt: skip
    return page, status


@bp.get("/categories/<int:category_id>")
def category_edit(category_id: int):
    """One category: rename, move, merge, delete."""
    return _edit_page(db.get_or_404(Category, category_id))


def _act(
    category_id: int, key: str, form: BaseForm, act: Callable[[Category], str | None]
):
    """Validate `form`, run `act` (which calls one service and says what it
    did, None for nothing): 303 back to the list with that message, or 400
    with the page and the errors (nothing changed). An unknown category is
    404."""
    category = db.get_or_404(Category, category_id)
    if form.validate():
        try:
            message = act(category)
        except InvalidInput as error:
            _field_error(form, error)
        else:
            flash(message or "没有变化。", "success" if message else "info")
            return _back()
    return _edit_page(category, 400, **{key: form})


@bp.post("/categories/<int:category_id>")
def category_update(category_id: int):
    """Rename: name, slug (the old one keeps answering 301), description."""
    form = CategoryUpdateForm()

    def act(category: Category) -> str | None:
        changed = update_category(
            category.id, current_user, form.name.data, slug=form.slug.data,
            description=form.description.data,
        )  # fmt: skip
        return f"已保存分类“{form.name.data}”。" if changed else None

    return _act(category_id, "update", form, act)


@bp.post("/categories/<int:category_id>/move")
def category_move(category_id: int):
    """Put the category under another one (never under itself or below)."""
    form = CategoryMoveForm()

    def act(category: Category) -> str | None:
        moved = move_category(category.id, form.parent.data or None, current_user)
        return f"已移动分类“{category.name}”。" if moved else None

    return _act(category_id, "move", form, act)


@bp.post("/categories/<int:category_id>/merge")
def category_merge(category_id: int):
    """Merge the category into another: articles, subcategories and URLs go."""
    form = CategoryMergeForm()

    def act(category: Category) -> str:
        name = category.name
        done = merge_categories(category.id, form.target.data, current_user)
        return (
            f"已把“{name}”合并到“{done.target.name}”，"
            f"移动了 {done.articles} 篇文章；旧地址会跳转到新分类。"
        )

    return _act(category_id, "merge", form, act)


@bp.post("/categories/<int:category_id>/delete")
def category_delete(category_id: int):
    """Delete the category (with articles: only by moving them elsewhere)."""
    form = CategoryDeleteForm()

    def act(category: Category) -> str:
        name = category.name
        done = delete_category(category.id, current_user, form.move_to.data or None)
        if done.target is None:
            return f"已删除分类“{name}”。"
        return f"已删除分类“{name}”，{done.articles} 篇文章移到了“{done.target.name}”。"

    return _act(category_id, "delete", form, act)
