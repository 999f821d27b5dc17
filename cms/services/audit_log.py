"""Reading the audit log: filtered keyset pages (it grows forever), the
filter's choices, the targets' titles for links (one query per page), and the
recorded changes in a shape a page can show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, literal_column, or_, select

from cms.extensions import db
from cms.models import Article, AuditEntry, Category, Comment, Page, User
from cms.services.queue import Cursor

PAGE_SIZE = 50
# Targets of one entry given a title and a link; the others are only counted.
LINKED_PER_ENTRY = 10
CHANGE_LINES_SHOWN = 20
LONG_TEXT = 120


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show. None and empty strings mean "any"; `system`
    asks for the entries without an acting account (periodic jobs)."""

    actor_id: int | None = None
    system: bool = False
    action: str = ""
    target_type: str = ""
    since: datetime | None = None  # UTC, inclusive
    until: datetime | None = None  # UTC, exclusive
    text: str = ""  # part of the reason

    def where(self) -> list:
        """The SQL conditions of this filter."""
        conditions = []
        if self.system:
            conditions.append(AuditEntry.actor_id.is_(None))
        elif self.actor_id is not None:
            conditions.append(AuditEntry.actor_id == self.actor_id)
        if self.action:
            conditions.append(AuditEntry.action == self.action)
        if self.target_type:
            conditions.append(AuditEntry.target_type == self.target_type)
        if self.since is not None:
            conditions.append(AuditEntry.created_at >= self.since)
        if self.until is not None:
            conditions.append(AuditEntry.created_at < self.until)
        if self.text:
            conditions.append(AuditEntry.reason.contains(self.text, autoescape=True))
        return conditions


@dataclass(frozen=True)
class AuditPage:
    """One page of entries, newest first, and the cursor of the next."""

    entries: list[AuditEntry]
    next_cursor: str | None


def audit_page(
    filter_: AuditFilter, after: str | None = None, size: int = PAGE_SIZE
) -> AuditPage:
    """The matching entries newest first, a keyset page at a time on
    (created_at, id): a page costs the same however old it is, and an entry
    added meanwhile never shifts one onto two pages. InvalidInput for a
    cursor that does not decode. The actor comes in the same query."""
    conditions = filter_.where()
    if after:
        cursor = Cursor.decode(after)
        conditions.append(or_(AuditEntry.created_at < cursor.created_at,
                              and_(AuditEntry.created_at == cursor.created_at,
                                   AuditEntry.id < cursor.id)))  # fmt: skip
    query = (
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(size + 1)
    )
    rows = list(db.session.scalars(query).unique())
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = Cursor(rows[-1].created_at, rows[-1].id).encode() if more else None
    return AuditPage(rows, next_cursor)


def day_range(
    first: date | None, last: date | None, zone: str
) -> tuple[datetime | None, datetime | None]:
    """The UTC bounds of the days `first` to `last` (both included) as
    calendar days in `zone`: [start of first, start of the day after last)."""
    tz = ZoneInfo(zone)
    since = until = None
    if first is not None:
        since = datetime.combine(first, time.min, tz).astimezone(UTC)
    if last is not None:
        until = datetime.combine(last + timedelta(days=1), time.min, tz).astimezone(UTC)
    return since, until


@dataclass(frozen=True)
class FilterChoices:
    """What the filter's selects offer: the accounts, and the actions and
    target types the log holds."""

    actors: list[tuple[int, str]]
    actions: list[str]
    target_types: list[str]


def filter_choices() -> FilterChoices:
    """The accounts (by username) and the actions and target types seen in
    the log (two queries)."""
    actors = [
        (user_id, f"{display_name}（{username}）")
        for user_id, display_name, username in db.session.execute(
            select(User.id, User.display_name, User.username).order_by(User.username)
        )
    ]
    seen = db.session.execute(
        select(AuditEntry.action, AuditEntry.target_type).distinct()
    ).all()
    return FilterChoices(
        actors=actors,
        actions=sorted({action for action, _ in seen}),
        target_types=sorted({kind for _, kind in seen}),
    )


@dataclass(frozen=True)
class Target:
    """A target row that still exists: what to call it, and the key its
    public URL needs (an article's public id, a category's slug, a username)."""

    kind: str
    id: int
    label: str
    key: str


def _titles_query(kind: str, ids: list[int]):
    model, label, key = {
        "article": (Article, Article.title, Article.public_id),
        "category": (Category, Category.name, Category.slug),
        "user": (User, User.display_name, User.username),
        "comment": (Comment, Comment.author_name, literal_column("''")),
        "page": (Page, Page.title, Page.slug),
    }[kind]
    return select(
        literal_column(f"'{kind}'").label("kind"),
        model.id.label("id"),
        cast(label, String).label("label"),
        cast(key, String).label("key"),
    ).where(model.id.in_(ids))


def linked_ids(entry: AuditEntry) -> list[int]:
    """The targets of an entry that get a title and a link (the first few)."""
    return list(entry.target_ids or [])[:LINKED_PER_ENTRY]


def targets_of(entries: Iterable[AuditEntry]) -> dict[tuple[str, int], Target]:
    """{(kind, id): Target} for the linked targets of the entries that still
    exist: comments, articles, pages, categories and users, in one query."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.target_type in ("article", "category", "user", "comment", "page"):
            ids = [i for i in linked_ids(entry) if isinstance(i, int)]
            wanted.setdefault(entry.target_type, set()).update(ids)
    parts = [_titles_query(kind, sorted(ids)) for kind, ids in wanted.items() if ids]
    if not parts:
        return {}
    # The method, not union_all(*parts): mypy 2.4 crashes inferring the latter.
    query = parts[0].union_all(*parts[1:]) if len(parts) > 1 else parts[0]
    return {
        (kind, ident): Target(kind, ident, label or "", key or "")
        for kind, ident, label, key in db.session.execute(query)
    }


# -- the recorded changes, for people ------------------------------------------

KEY_LABELS = {
    "name": "名称",
    "slug": "别名",
    "description": "描述",
    "parent": "上级",
    "parent_id": "上级 ID",
    "articles": "移动的文章",
    "children": "下级分类",
    "ids": "ID",
    "to_parent_id": "移到上级 ID",
    "redirects": "旧地址跳转",
    "redirect_added": "新增跳转",
    "redirect_removed": "取消跳转",
    "redirects_removed": "取消跳转",
    "menu_items": "菜单链接",
    "merged_into": "合并到",
    "moved_to": "文章移到",
    "previous": "之前的状态",
    "snapshot": "快照",
    "replies": "回复",
    "rules": "规则",
    "count": "数量",
    # uploads (cms.services.media_library)
    "key": "文件",
    "users": "使用者",
    "file_deleted": "文件已删除",
    # word rules (cms.services.wordrule_store)
    "phrase": "词语",
    "field": "位置",
    "kind": "类型",
    "action": "动作",
    "replacement": "替换为",
    "scopes": "范围",
    "added": "新增",
    "updated": "更新",
    # accounts
    "username": "用户名",
    "display_name": "显示名称",
    "email": "邮箱",
    "role": "角色",
    "active": "启用",
    "avatar": "头像",
    "bio": "简介",
    "tip_wechat": "微信收款链接",
    "tip_alipay": "支付宝收款链接",
    # pages, articles and their revisions
    "title": "标题",
    "body": "正文",
    "excerpt": "摘要",
    "fields": "其他字段",
    "changed": "改动",
    "children_moved": "移动的子页面",
    "status": "状态",
    "version": "版本",
    # menus
    "menu": "菜单",
    "label": "文字",
    "url": "网址",
    "category_id": "分类 ID",
    "page_id": "页面 ID",
    "position": "位置",
    # comments (a deleted comment's snapshot)
    "id": "ID",
    "article_id": "文章 ID",
    "type": "类型",
    "author_name": "昵称",
    "author_email": "邮箱",
    "author_url": "网站",
    "previous_status": "之前的状态",
    "reasons": "原因",
    "ip": "IP",
    "user_agent": "浏览器",
    "user_id": "用户 ID",
    "created_at": "时间",
    "moderated_by_id": "审核人 ID",
    "moderated_at": "审核时间",
    "pinned_at": "置顶时间",
    "notify_replies": "回复提醒",
    "parent_notified_at": "回复提醒时间",
    "sessions": "登录状态",
    "recovery_codes": "恢复码",
}
# Recorded values that are names of things, in words (by the key they sit under).
ROLE_WORDS = {"admin": "管理员", "editor": "编辑", "contributor": "投稿者"}
STATUS_VALUE_WORDS = {
    "pending": "待审", "approved": "已批准", "spam": "垃圾", "trash": "回收站",
    "deleted": "已删除", "draft": "草稿", "published": "已发布",
}  # fmt: skip
VALUE_WORDS: dict[str, dict[str, str]] = {
    "sessions": {"ended": "已在所有设备上退出"},
    "recovery_codes": {"renewed": "已重新生成，旧的恢复码作废"},
    "role": ROLE_WORDS,
    "status": STATUS_VALUE_WORDS,
    "previous_status": STATUS_VALUE_WORDS,
    "type": {"comment": "评论", "pingback": "Pingback", "trackback": "Trackback"},
    "field": {"body": "正文", "title": "标题"},
}
_PAIRS = (("from", "to"), ("before", "after"))


def _label(key: str) -> str:
    return f"#{key}" if key.isdigit() else KEY_LABELS.get(key, key)


def as_text(value: Any, key: str = "") -> str:
    """A recorded value in one compact line: lists joined, mappings as
    `key: value` pairs (keys and known values in words), nothing as —."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(
            f"{_label(str(k))}: {as_text(v, str(k))}" for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        if key == "changed":  # names of fields
            return "、".join(_label(str(v)) for v in value) or "—"
        return "、".join(as_text(v) for v in value) or "—"
    if isinstance(value, str) and value in VALUE_WORDS.get(key, {}):
        return VALUE_WORDS[key][value]
    return str(value)


@dataclass(frozen=True)
class ChangeLine:
    """One key of an entry's changes: a from → to pair (`before`, `after`),
    and/or other recorded facts as text (`detail`)."""

    key: str
    before: str | None
    after: str | None
    detail: str

    @property
    def is_change(self) -> bool:
        return self.before is not None

    @property
    def long(self) -> bool:
        """Too long to show open: the page collapses it."""
        return max(len(self.before or ""), len(self.after or ""), len(self.detail)) > (
            LONG_TEXT
        )


def _pair_of(value: Any) -> tuple[str, str] | None:
    if isinstance(value, dict):
        for pair in _PAIRS:
            if pair[0] in value or pair[1] in value:
                return pair
    return None


def change_lines(
    changes: dict[str, Any] | None,
    words: dict[str, str] | None = None,
    limit: int = CHANGE_LINES_SHOWN,
    labels: dict[str, str] | None = None,
) -> tuple[list[ChangeLine], int]:
    """The first `limit` keys of an entry's changes as lines, and how many
    more there are. `{"from": a, "to": b}` (or before/after) becomes a from →
    to line, a and b put in `words` when listed there (a status's name), any
    other recorded facts of it (a snapshot …) the line's detail, facts with
    nothing in them left out; other shapes become `key: value` text. Keys
    are named by `labels`, else KEY_LABELS."""
    words = words or {}
    labels = labels or {}

    def side(value: Any, key: str) -> str:
        if isinstance(value, str):
            return words.get(value) or as_text(value, key)
        return as_text(value, key)

    def label(key: str) -> str:
        return labels.get(key) or _label(key)

    items = list((changes or {}).items())
    lines = []
    for key, value in items[:limit]:
        pair = _pair_of(value)
        if pair is None:
            lines.append(ChangeLine(label(str(key)), None, None, as_text(value, key)))
            continue
        rest = {k: v for k, v in value.items()
                if k not in pair and v not in (None, "", [], {})}  # fmt: skip
        before = side(value.get(pair[0]), str(key))
        after = side(value.get(pair[1]), str(key))
        detail = as_text(rest) if rest else ""
        lines.append(ChangeLine(label(str(key)), before, after, detail))
    return lines, max(0, len(items) - limit)
