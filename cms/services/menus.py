"""The navigation menu (header) and the friend links (footer): what readers
see, and the editors' changes, each audited.

Every public page shows both menus, so they are read with one query and kept
per process for MENU_CACHE_SECONDS (2 by default). A change made through the
services drops the kept copy at once in the process that made it; other
processes show it when their copy expires.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, NamedTuple
from urllib.parse import quote, urlsplit

from flask import current_app, g, has_request_context
from sqlalchemy import Select, select

from cms.database import write_transaction
from cms.events import MenuChanged, emit
from cms.extensions import db
from cms.models import Category, Menu, MenuItem, Page, PageStatus, Role, User
from cms.services import audit
from cms.services.errors import FieldError, InvalidInput, NotAllowed, NotFound

Kind = Literal["category", "page", "url"]
KINDS: tuple[Kind, ...] = ("category", "page", "url")
MAX_LABEL_LENGTH = 100
MAX_URL_LENGTH = 512
STAFF = frozenset({Role.ADMIN, Role.EDITOR})
_CACHE_KEY = "cms_menu_links"


class MenuLink(NamedTuple):
    """One link as the header and the footer show it."""

    label: str
    url: str
    external: bool


def target_path(kind: Kind, slug: str) -> str:
    """The site path of a category's or a page's public URL (the one place
    these two paths are built outside the URL map: services do not call
    url_for)."""
    return f"/{kind}/{quote(slug, safe='')}/"


def is_external(url: str) -> bool:
    """True for an absolute http(s) URL on another host than SITE_URL's."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return parts.hostname != urlsplit(current_app.config["SITE_URL"]).hostname


# -- what readers see ----------------------------------------------------------


@lru_cache(maxsize=1)
def _links_query() -> Select:
    # Built once (every public page runs it): columns only, no ORM objects.
    return (
        select(
            MenuItem.menu, MenuItem.label, MenuItem.url,
            Category.name, Category.slug, Page.title, Page.slug, Page.status,
            MenuItem.category_id, MenuItem.page_id,
        )
        .outerjoin(Category, MenuItem.category_id == Category.id)
        .outerjoin(Page, MenuItem.page_id == Page.id)
        .order_by(MenuItem.menu, MenuItem.position, MenuItem.id)
    )  # fmt: skip


def _load_links() -> dict[str, list[MenuLink]]:
    menus: dict[str, list[MenuLink]] = {menu.value: [] for menu in Menu}
    for row in db.session.execute(_links_query()):
        (menu, label, url, cat_name, cat_slug, page_title, page_slug, page_status,
         category_id, page_id) = row  # fmt: skip
        if category_id is not None:
            label, url = label or cat_name, target_path("category", cat_slug)
        elif page_id is not None:
            if page_status != PageStatus.PUBLISHED:
                continue
            label, url = label or page_title, target_path("page", page_slug)
        menus.setdefault(Menu(menu).value, []).append(
            MenuLink(label, url, is_external(url))
        )
    return menus


def menu_links(menu: str) -> list[MenuLink]:
    """The links of `menu` ("header" or "friends"), in order; links to pages
    that are not published are left out. Both menus come from one query,
    kept for MENU_CACHE_SECONDS in this process, and read at most once per
    request (the header and the footer show both)."""
    links = g.get(_CACHE_KEY) if has_request_context() else None
    if links is None:
        kept = current_app.extensions.get(_CACHE_KEY)
        now = time.monotonic()
        if kept is None or kept[0] <= now:
            kept = (now + current_app.config["MENU_CACHE_SECONDS"], _load_links())
            current_app.extensions[_CACHE_KEY] = kept
        links = kept[1]
        if has_request_context():
            setattr(g, _CACHE_KEY, links)
    return links.get(str(menu), [])


def forget_menu_cache(_event: object = None) -> None:
    """Drop this process's menus: the after-commit handler of the events whose
    changes show in them (menus, pages, categories)."""
    current_app.extensions.pop(_CACHE_KEY, None)
    if has_request_context():
        g.pop(_CACHE_KEY, None)


# -- what editors see ----------------------------------------------------------


@dataclass(frozen=True)
class MenuEntry:
    """A menu item as the editors' list shows it."""

    item: MenuItem
    kind: Kind
    label: str
    url: str
    hidden: bool  # a link to a page readers cannot see


def kind_of(item: MenuItem) -> Kind:
    """What the item points at."""
    if item.category_id is not None:
        return "category"
    return "page" if item.page_id is not None else "url"


def _entry(item: MenuItem) -> MenuEntry:
    kind = kind_of(item)
    if kind == "category":
        label, url, hidden = (
            item.category.name,
            target_path(kind, item.category.slug),
            False,
        )
    elif kind == "page":
        hidden = item.page.status != PageStatus.PUBLISHED
        label, url = item.page.title, target_path(kind, item.page.slug)
    else:
        label, url, hidden = "", item.url, False
    return MenuEntry(item, kind, item.label or label, url, hidden)


def menu_entries(menu: Menu) -> list[MenuEntry]:
    """Every item of a menu, in order, with its shown label and URL."""
    query = (
        select(MenuItem)
        .where(MenuItem.menu == menu)
        .order_by(MenuItem.position, MenuItem.id)
    )
    return [_entry(item) for item in db.session.scalars(query)]


def menu_targets() -> tuple[list[Category], list[Page]]:
    """What a header link may point at: every category (by name) and every
    page that is not in the trash (by title)."""
    categories = db.session.scalars(select(Category).order_by(Category.name))
    pages = db.session.scalars(
        select(Page)
        .where(Page.status != PageStatus.TRASH)
        .order_by(Page.title, Page.id)
    )
    return list(categories), list(pages)


# -- rules ---------------------------------------------------------------------


def check_link_url(raw: str, absolute_only: bool = False) -> str:
    """A link's URL, trimmed: `https://…`, `http://…` with a host, or (unless
    `absolute_only`) a path of this site starting with a single `/`.
    InvalidInput for anything else (`javascript:`, `//host`, `ftp://` …)."""
    url = (raw or "").strip()
    if not url:
        raise FieldError("url", "请填写链接地址")
    if len(url) > MAX_URL_LENGTH:
        raise FieldError("url", f"链接地址最多 {MAX_URL_LENGTH} 个字符")
    if "\\" in url or any(c.isspace() or ord(c) < 32 for c in url):
        raise FieldError("url", "链接地址不能包含空格、反斜杠或控制字符")
    if url.startswith("/") and not url.startswith("//") and not absolute_only:
        return url
    parts = urlsplit(url)
    absolute = url.lower().startswith(("http://", "https://"))
    if not absolute or not parts.hostname:
        if absolute_only:
            raise FieldError("url", "请填写以 http:// 或 https:// 开头的完整网址")
        raise FieldError(
            "url", "链接须以 https:// 或 http:// 开头，或是以 / 开头的站内路径"
        )
    return url


def _check_label(raw: str, required: bool) -> str:
    label = (raw or "").strip()
    if required and not label:
        raise FieldError("label", "请填写链接文字")
    if len(label) > MAX_LABEL_LENGTH:
        raise FieldError("label", f"链接文字最多 {MAX_LABEL_LENGTH} 个字符")
    return label


def _require_staff(actor: User | None) -> None:
    if actor is not None and actor.role not in STAFF:
        raise NotAllowed("只有编辑和管理员可以修改菜单")


def _items(menu: Menu) -> list[MenuItem]:
    """The menu's items in order, locked for this transaction."""
    query = (
        select(MenuItem)
        .where(MenuItem.menu == menu)
        .order_by(MenuItem.position, MenuItem.id)
        .with_for_update(of=MenuItem)
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(query))


def _renumber(items: list[MenuItem]) -> dict[str, dict[str, int]]:
    """Positions 0..n-1 in list order; returns {id: {"from", "to"}} of the
    items whose position changed."""
    moved = {}
    for position, item in enumerate(items):
        if item.position != position:
            moved[str(item.id)] = {"from": item.position, "to": position}
            item.position = position
    return moved


def _describe(item: MenuItem) -> dict[str, Any]:
    return {
        "menu": item.menu.value, "label": item.label, "url": item.url,
        "category_id": item.category_id, "page_id": item.page_id,
    }  # fmt: skip


def _get(item_id: int) -> MenuItem:
    item = db.session.get(MenuItem, item_id, populate_existing=True)
    if item is None:
        raise NotFound(f"menu item {item_id}")
    return item


# -- writing ---------------------------------------------------------------------


def add_item(
    menu: Menu | str,
    kind: str,
    actor: User | None,
    target_id: int | None = None,
    url: str = "",
    label: str = "",
) -> MenuItem:
    """Add a link at the end of a menu. Header: a category or page (label
    optional: empty shows its name) or a URL (label required). Friend links:
    a label and an http(s) URL. InvalidInput (nothing stored) otherwise."""
    _require_staff(actor)
    try:
        menu = Menu(menu)
    except ValueError:
        raise InvalidInput("未知的菜单") from None
    if kind not in KINDS:
        raise FieldError("kind", "请选择链接类型")
    if menu == Menu.FRIENDS and kind != "url":
        raise FieldError("kind", "友情链接须为网址")
    item = MenuItem(menu=menu, label=_check_label(label, required=kind == "url"))
    if kind == "url":
        item.url = check_link_url(url, absolute_only=menu == Menu.FRIENDS)
    elif kind == "category":
        if target_id is None or db.session.get(Category, target_id) is None:
            raise FieldError("category_id", "请选择一个分类")
        item.category_id = target_id
    else:
        page = db.session.get(Page, target_id) if target_id is not None else None
        if page is None or page.status == PageStatus.TRASH:
            raise FieldError("page_id", "请选择一个页面")
        item.page_id = target_id
    with write_transaction():
        items = _items(menu)
        item.position = len(items)
        db.session.add(item)
        db.session.flush()
        _renumber(items)
        audit.record(actor, "menu-add", "menu_item", [item.id],
                     {str(item.id): {"from": None, "to": _describe(item)}})  # fmt: skip
        emit(MenuChanged(str(menu)))
    return item


def update_item(
    item_id: int, actor: User | None, label: str, url: str = ""
) -> MenuItem:
    """Change a link's label (and the URL of a URL link), under the same rules
    as add_item."""
    _require_staff(actor)
    with write_transaction():
        item = _get(item_id)
        before = _describe(item)
        is_url = kind_of(item) == "url"
        item.label = _check_label(label, required=is_url)
        if is_url:
            item.url = check_link_url(url, absolute_only=item.menu == Menu.FRIENDS)
        after = _describe(item)
        if after != before:
            audit.record(actor, "menu-update", "menu_item", [item.id],
                         {str(item.id): {"from": before, "to": after}})  # fmt: skip
            emit(MenuChanged(str(item.menu)))
    return item


def move_item(item_id: int, direction: str, actor: User | None) -> bool:
    """Move a link one place up or down its menu; positions are renumbered
    0..n-1 in the same transaction, so the order is always well defined.
    False (nothing changed) at either end."""
    _require_staff(actor)
    if direction not in ("up", "down"):
        raise InvalidInput("未知的方向")
    with write_transaction():
        item = _get(item_id)
        items = _items(item.menu)
        index = next(i for i, other in enumerate(items) if other.id == item.id)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items):
            _renumber(items)
            return False
        items[index], items[other] = items[other], items[index]
        moved = _renumber(items)
        audit.record(actor, "menu-move", "menu_item", [int(i) for i in moved], moved)
        emit(MenuChanged(str(item.menu)))
    return True


def delete_item(item_id: int, actor: User | None) -> None:
    """Remove a link; the others close the gap."""
    _require_staff(actor)
    with write_transaction():
        item = _get(item_id)
        menu, before = item.menu, _describe(item)
        db.session.delete(item)
        db.session.flush()
        _renumber(_items(menu))
        audit.record(actor, "menu-delete", "menu_item", [item_id],
                     {str(item_id): {"from": before, "to": None}})  # fmt: skip
        emit(MenuChanged(str(menu)))
