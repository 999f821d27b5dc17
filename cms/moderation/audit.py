"""The audit log browser (admins only): every recorded action, newest first,
filtered by who, what, on which kind of row, when and why; keyset pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import render_template, request, url_for
from werkzeug.routing import BuildError
from wtforms import HiddenField, SelectField, StringField

from cms.forms import BaseForm, select_choices
from cms.models import AuditEntry, Role
from cms.moderation.views import bp, open_to
from cms.services.audit_actions import action_name
from cms.services.audit_log import (
    AuditFilter,
    FilterChoices,
    Target,
    audit_page,
    change_lines,
    day_range,
    filter_choices,
    linked_ids,
    targets_of,
)
from cms.services.errors import InvalidInput
from cms.services.setting_specs import SPECS
from cms.services.settings import current_settings
from cms.text.bounded import parse_date

TYPE_LABELS = {
    "comment": "评论",
    "article": "文章",
    "category": "分类",
    "user": "用户",
    "setting": "设置",
    "page": "页面",
    "menu": "菜单",
    "menu_item": "菜单链接",
    "tag": "标签",
    "media": "图片",
    "wordrule": "词语规则",
}
MAX_TEXT = 200
# Statuses recorded in English, shown as the area names them elsewhere.
STATUS_WORDS = {
    "pending": "待审",
    "approved": "已批准",
    "spam": "垃圾",
    "trash": "回收站",
    "deleted": "已删除",
    "draft": "草稿",
    "published": "已发布",
}


def _strip(value: str | None) -> str:
    return (value or "").strip()


class AuditFilterForm(BaseForm):
    """The filter, read from the query string (GET: no CSRF)."""

    class Meta:
        csrf = False

    actor = SelectField("操作人", validate_choice=False, default="")
    action = SelectField("操作", validate_choice=False, default="")
    target_type = SelectField("对象类型", validate_choice=False, default="")
    since = StringField("开始日期", filters=[_strip], render_kw={"type": "date"})
    until = StringField("结束日期", filters=[_strip], render_kw={"type": "date"})
    text = StringField("说明包含", filters=[_strip], render_kw={"type": "search"})
    after = HiddenField()


@dataclass
class AuditQuery:
    """The filter as applied, its query-string form (for links), and a notice
    for each value that was ignored."""

    filter: AuditFilter = field(default_factory=AuditFilter)
    args: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def _date(form: AuditFilterForm, name: str, query: AuditQuery) -> date | None:
    text = form[name].data or ""
    if not text:
        return None
    try:
        value = parse_date(text)
    except ValueError:
        query.notices.append(f"{form[name].label.text}“{text}”无效，已忽略。")
        form[name].data = ""
        return None
    query.args[name] = value.isoformat()
    return value


def _choose(form: AuditFilterForm, name: str, known, query: AuditQuery) -> str:
    value = form[name].data or ""
    if value and value not in known:
        query.notices.append(f"{form[name].label.text}“{value}”不存在，已忽略。")
        form[name].data = ""
        return ""
    if value:
        query.args[name] = value
    return value


def read_query(form: AuditFilterForm, choices: FilterChoices) -> AuditQuery:
    """The filter the form asks for; unknown accounts, actions and types and
    bad dates are dropped with a notice (never an error page)."""
    form.actor.choices = select_choices(
        [("", "全部"), ("system", "系统")]
        + [(str(i), label) for i, label in choices.actors]
    )
    form.action.choices = select_choices(
        [("", "全部")] + [(a, action_name(a)) for a in choices.actions]
    )
    form.target_type.choices = select_choices(
        [("", "全部")] + [(t, TYPE_LABELS.get(t, t)) for t in choices.target_types]
    )
    query = AuditQuery()
    actors = {"system", *(str(i) for i, _ in choices.actors)}
    actor = _choose(form, "actor", actors, query)
    first, last = _date(form, "since", query), _date(form, "until", query)
    if first and last and first > last:
        query.notices.append("开始日期晚于结束日期，已忽略日期范围。")
        first = last = None
        form.since.data = form.until.data = ""
        for key in ("since", "until"):
            query.args.pop(key, None)
    since, until = day_range(first, last, current_settings()["site.timezone"])
    text = (form.text.data or "")[:MAX_TEXT]
    if text:
        query.args["text"] = text
    query.filter = AuditFilter(
        actor_id=int(actor) if actor.isdigit() else None,
        system=actor == "system",
        action=_choose(form, "action", set(choices.actions), query),
        target_type=_choose(form, "target_type", set(choices.target_types), query),
        since=since,
        until=until,
        text=text,
    )
    return query


def lines_of(entry: AuditEntry):
    """The entry's changes as lines (statuses of comments, articles and pages
    in words), and how many more there are."""
    if entry.target_type == "setting":  # keys are settings: their labels
        labels = {key: SPECS[key].label for key in entry.changes if key in SPECS}
        return change_lines(entry.changes, {"true": "是", "false": "否"}, labels=labels)
    with_status = entry.target_type in ("comment", "article", "page")
    return change_lines(entry.changes, STATUS_WORDS if with_status else None)


def target_link(target: Target) -> str | None:
    """Where a target can be seen: the article, the comment's or the
    category's editing page, the account's page; None when there is none."""
    endpoints = {
        "article": ("moderation.post_edit", {"article_id": target.id}),
        "page": ("moderation.page_edit", {"page_id": target.id}),
        "comment": ("moderation.edit", {"comment_id": target.id}),
        "category": ("moderation.category_edit", {"category_id": target.id}),
        "user": ("moderation.user_edit", {"user_id": target.id}),
    }
    if target.kind not in endpoints:
        return None
    endpoint, values = endpoints[target.kind]
    try:
        return url_for(endpoint, **values)
    except BuildError:  # a page of the area that does not exist (yet)
        return None


@bp.get("/audit")
@open_to(Role.ADMIN)
def audit():
    """A page of the log, newest first; "更早的记录" goes on from its last row."""
    form = AuditFilterForm(formdata=request.args)
    query = read_query(form, filter_choices())
    try:
        page = audit_page(query.filter, form.after.data or None)
    except InvalidInput:
        query.notices.append("分页位置无效，已回到最新的记录。")
        page = audit_page(query.filter)
    return render_template(
        "moderation/audit.html", form=form, query=query, page=page,
        targets=targets_of(page.entries), linked_ids=linked_ids,
        lines_of=lines_of, target_link=target_link, type_labels=TYPE_LABELS,
        is_later_page=bool(form.after.data),
    )  # fmt: skip
