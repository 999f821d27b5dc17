"""The posts area's workflow routes besides the editor: trash and restore,
and (editors and admins) the revisions, a diff between any two, restoring
one. Also what the area's views share: how statuses and fields are worded,
the article lookup."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cms.models import Article, Role
from cms.moderation.views import bp, open_to
from cms.params import int_arg
from cms.services import article_access as access
from cms.services import article_workflow
from cms.services.revisions import Snapshot, compare, get_revision, revisions_of
from cms.templating import localtime

TAB_LABELS = {
    "all": "全部",
    "published": "已发布",
    "scheduled": "定时",
    "pending": "待审",
    "draft": "草稿",
    "trash": "回收站",
}
STATUS_LABELS = {
    "draft": "草稿",
    "pending": "待审",
    "published": "已发布",
    "scheduled": "定时发布",
    "trash": "回收站",
}
SOURCE_LABELS = {"original": "原创", "reprint": "转载"}
FIELD_LABELS = {
    "category": "分类",
    "tags": "标签",
    "contributor": "署名投稿人",
    "status": "状态",
    "published_at": "发布时间",
    "allow_comments": "允许评论",
    "show_tip": "显示打赏",
    "source": "来源",
    "source_url": "原文链接",
}


def state_of(article: Article, now: datetime | None = None) -> str:
    """The article's status for labels, with "scheduled" for a published
    article whose time is still to come."""
    if access.is_scheduled(article, now):
        return "scheduled"
    return article.status.value


def field_text(name: str, value: Any) -> str:
    """A snapshot field's value as people read it."""
    if value is None or value == "" or value == []:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if name == "status":
        return STATUS_LABELS.get(value, value)
    if name == "source":
        return SOURCE_LABELS.get(value, value)
    if name == "published_at":
        try:
            return localtime(datetime.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def article_or_404(article_id: int) -> Article:
    """The article the current user may see; NotFound (404) otherwise: for a
    contributor, another's article does not exist."""
    return access.article_for(current_user, article_id)


def _number(name: str, default: int) -> int:
    return int_arg(name, default, status=404)


@bp.get("/posts/<int:article_id>/revisions")
def post_revisions(article_id: int):
    """Every revision, newest first; two chosen with radio buttons compare."""
    article = article_or_404(article_id)
    revisions = revisions_of("article", article.id)
    return render_template(
        "moderation/post_revisions.html",
        article=article,
        revisions=revisions,
        edition=revisions[0].number if revisions else 1,
        state=state_of(article),
        status_labels=STATUS_LABELS,
    )


@bp.get("/posts/<int:article_id>/diff")
def post_diff(article_id: int):
    """What changed from revision `a` to revision `b` (by default the one
    before the newest, and the newest); an unknown number is 404. Without
    any revision yet (an article written outside the editor), the empty
    revision list."""
    article = article_or_404(article_id)
    revisions = revisions_of("article", article.id)
    if not revisions:
        if request.args.get("a") or request.args.get("b"):
            abort(404)
        return post_revisions(article_id)  # says there is nothing to compare yet
    newest = revisions[0].number
    a, b = _number("a", max(newest - 1, 1)), _number("b", newest)
    old, new = (get_revision("article", article.id, n) for n in (a, b))
    restorable = state_of(article) != "trash" and old.number != newest
    return render_template(
        "moderation/revision_diff.html",
        document=article,
        kind="文章",
        revisions=revisions,
        old=old,
        new=new,
        comparison=compare(Snapshot.of(old), Snapshot.of(new)),
        field_labels=FIELD_LABELS,
        field_text=field_text,
        revisions_url=url_for("moderation.post_revisions", article_id=article.id),
        edit_url=url_for("moderation.post_edit", article_id=article.id),
        restore_url=url_for(
            "moderation.post_revision_restore", article_id=article.id,
            number=old.number,
        ) if restorable else None,
    )  # fmt: skip


@bp.post("/posts/<int:article_id>/revisions/<int:number>/restore")
def post_revision_restore(article_id: int, number: int):
    """Bring revision `number` back, as a new revision; 303 to the editor."""
    article_workflow.restore_revision(current_user, article_id, number)
    flash(f"已恢复到第 {number} 版（保存为新的版本）。", "success")
    return redirect(url_for("moderation.post_edit", article_id=article_id), 303)


@bp.post("/posts/<int:article_id>/trash")
@open_to(*Role)
def post_trash(article_id: int):
    """Move an article to the trash; 303 to the list."""
    article_workflow.trash(current_user, article_id)
    flash("已移到回收站。", "success")
    return redirect(url_for("moderation.posts"), 303)


@bp.post("/posts/<int:article_id>/restore")
@open_to(*Role)
def post_restore(article_id: int):
    """Bring an article back from the trash as a draft; 303 to the editor."""
    article_workflow.restore(current_user, article_id)
    flash("已从回收站恢复为草稿。", "success")
    return redirect(url_for("moderation.post_edit", article_id=article_id), 303)
