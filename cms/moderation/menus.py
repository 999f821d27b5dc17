"""The navigation menu and the friend links in the area (editors and admins):
one page with both lists and their forms; add, change, move, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from cms.forms import submission_key
from cms.models import Menu, MenuItem
from cms.moderation.menu_forms import (
    MenuDeleteForm,
    MenuItemForm,
    MenuMoveForm,
    MenuUpdateForm,
)
from cms.moderation.views import bp
from cms.services import menus as service
from cms.services import submissions
from cms.services.errors import InvalidInput

TITLES = {"header": "导航菜单", "friends": "友情链接"}


def _new_form(menu: str) -> MenuItemForm:
    form = MenuItemForm(formdata=None, data={"menu": menu})
    if menu == "friends":
        form.kind.data = "url"
    return form


def _page(status: int = 200, add: MenuItemForm | None = None,
          update: tuple[int, MenuUpdateForm] | None = None):  # fmt: skip
    """The menus page; a refused form (`add`, or `update` for one item) is
    shown again with its errors and the typed values."""
    adds = {menu.value: _new_form(menu.value) for menu in Menu}
    if add is not None:
        adds[add.menu.data] = add
    categories, pages = service.menu_targets()
    for form in adds.values():
        form.set_targets(categories, pages)
    adds["friends"].url.description = "以 https:// 或 http:// 开头的完整网址"
    lists = {menu.value: service.menu_entries(menu) for menu in Menu}
    updates = {
        entry.item.id: MenuUpdateForm(formdata=None, obj=entry.item)
        for entries in lists.values()
        for entry in entries
    }
    if update is not None:
        updates[update[0]] = update[1]
    return render_template(
        "moderation/menus.html", titles=TITLES, lists=lists, adds=adds,
        updates=updates, open_update=update[0] if update else None,
    ), status  # fmt: skip


def _refused(form, error: InvalidInput) -> None:
    field = getattr(form, getattr(error, "field", ""), None)
    if field is None:
        field = form.url if "url" in form else None
    if field is not None:
        field.errors = [*field.errors, str(error)]


def _back(menu: str | None = None):
    anchor = f"menu-{menu}" if menu else None
    return redirect(url_for("moderation.menus", _anchor=anchor), 303)


@bp.get("/menus")
def menus():
    """Both menus, in order, each with its forms."""
    return _page()


@bp.post("/menus")
def menu_add():
    """Add a link at the end of a menu; 400 with the form kept when refused."""
    form = MenuItemForm()
    if form.menu.data not in TITLES:
        abort(400)
    if form.menu.data == "friends":
        form.kind.data = "url"
    if not form.validate():
        return _page(400, add=form)
    try:  # sent twice (a double click): one link
        submissions.once(
            "menu_item",
            f"user:{current_user.id}",
            submission_key(),
            lambda: service.add_item(
                form.menu.data,
                form.kind.data,
                current_user,
                target_id=form.target_id,
                url=form.url.data,
                label=form.label.data,
            ),
            MenuItem,
        )
    except InvalidInput as error:
        _refused(form, error)
        return _page(400, add=form)
    flash("链接已添加。", "success")
    return _back(form.menu.data)


@bp.post("/menus/<int:item_id>")
def menu_update(item_id: int):
    """Change a link's label (and URL)."""
    form = MenuUpdateForm()
    if not form.validate():
        return _page(400, update=(item_id, form))
    try:
        item = service.update_item(
            item_id, current_user, form.label.data, form.url.data
        )
    except InvalidInput as error:
        _refused(form, error)
        return _page(400, update=(item_id, form))
    flash("链接已修改。", "success")
    return _back(item.menu.value)


@bp.post("/menus/<int:item_id>/move")
def menu_move(item_id: int):
    """上移 / 下移 one place."""
    form = MenuMoveForm()
    if not form.validate():
        abort(400)
    moved = service.move_item(item_id, form.direction.data, current_user)
    if moved:
        flash("已上移。" if form.direction.data == "up" else "已下移。", "success")
    else:
        flash("已经在最前或最后了。", "info")
    return _back()


@bp.post("/menus/<int:item_id>/delete")
def menu_delete(item_id: int):
    """Remove a link."""
    if not MenuDeleteForm().validate():
        abort(400)
    service.delete_item(item_id, current_user)
    flash("链接已删除。", "success")
    return _back()
