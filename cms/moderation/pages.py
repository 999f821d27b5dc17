"""Standalone pages in the area (editors and admins): the list in tree order,
the editor, trash/restore/delete, and the revisions with diff and restore."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from cms.forms import submission_key
from cms.models import Page, PageStatus
from cms.moderation.page_forms import PageActionForm, PageForm
from cms.moderation.views import bp
from cms.params import int_arg
from cms.services import pages as service
from cms.services import submissions
from cms.services.article_writing import render_body
from cms.services.errors import EditConflict, InvalidInput
from cms.services.page_edits import snapshot_of_input
from cms.services.page_queries import (
    descendants_of,
    get_page,
    page_tree,
    status_counts,
)
from cms.services.revisions import Snapshot, compare, get_revision, revisions_of

TABS = {"all": "全部", "published": "已发布", "draft": "草稿", "trash": "回收站"}
WRITES = {
    "save": (service.save_page, "页面已保存。"),
    "publish": (service.publish_page, "页面已发布。"),
    "unpublish": (service.unpublish_page, "页面已撤回为草稿。"),
}


def _to_editor(page: Page):
    return redirect(url_for("moderation.page_edit", page_id=page.id), 303)


def _form(page: Page | None = None) -> PageForm:
    initial = {}
    if page is not None:
        initial = {"title": page.title, "slug": page.slug, "position": page.position,
                   "parent_id": page.parent_id, "body": page.body_markdown,
                   "allow_comments": page.allow_comments,
                   "version": page.version}  # fmt: skip
    form = PageForm(data=initial)
    excluded = set() if page is None else {page.id} | descendants_of(page.id)
    form.set_parents(page_tree(), excluded)
    return form


STATUS_NAMES = {"draft": "草稿", "published": "已发布", "trash": "回收站"}
FIELD_LABELS = {"slug": "网址别名", "parent": "上级页面", "parent_id": "上级页面编号",
                "status": "状态", "position": "排序",
                "allow_comments": "允许评论"}  # fmt: skip


def field_text(name: str, value) -> str:
    """A snapshot field's value in words (for the diffs)."""
    if value is None or value == "":
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return STATUS_NAMES.get(value, value) if name == "status" else str(value)


def _render(template: str, **context) -> str:
    return render_template(
        template, page_statuses=STATUS_NAMES, page_field_labels=FIELD_LABELS,
        page_field_text=field_text, **context,
    )  # fmt: skip


def _editor(form: PageForm, page: Page | None, status: int = 200, **extra):
    """The editor; the preview pane starts with the body as readers see it
    (the typed one after a refused POST)."""
    if form.is_submitted():
        preview = render_body(form.body.data or "")
    else:
        preview = page.body_html if page is not None else ""
    # Sanitised HTML: render_body's (nh3), or the body_html it made on save.
    safe = Markup(preview)  # noqa: S704  # nosec B704  # sanitised by render_body
    html = _render(
        "moderation/page_edit.html", form=form, page=page, preview=safe, **extra
    )
    return html, status


def _refused(form: PageForm, page: Page | None, error: InvalidInput):
    """400: the form again, the service's message beside its field."""
    field = getattr(form, getattr(error, "field", ""), None)
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error), "error")
    return _editor(form, page, 400)


def _conflict(form: PageForm, page: Page, conflict: EditConflict):
    """409: the user's text kept, the diff from the saved version to it, and
    the version updated so that saving again overwrites on purpose."""
    mine = snapshot_of_input(form.to_input(), page)
    form.version.data, form.version.raw_data = conflict.version, [str(conflict.version)]
    latest = next(iter(revisions_of("page", page.id)), None)
    details = {
        "who": latest.author.display_name if latest and latest.author else "其他人",
        "when": latest.created_at if latest else None,
        "comparison": compare(conflict.current, mine),
    }
    return _editor(form, page, 409, conflict=details)


@bp.get("/pages")
def pages():
    """Every page of a status tab, in tree order, with the tabs' counts."""
    tab = request.args.get("status", "all")
    tab = tab if tab in TABS else "all"
    counts = {status.value: n for status, n in status_counts().items()}
    counts["all"] = counts["draft"] + counts["published"]
    shown = (PageStatus.DRAFT, PageStatus.PUBLISHED) if tab == "all" else (tab,)
    return _render(
        "moderation/pages.html", tab=tab, tabs=TABS, counts=counts,
        tree=page_tree(tuple(PageStatus(s) for s in shown)),
    )  # fmt: skip


@bp.route("/pages/new", methods=["GET", "POST"])
def page_new():
    """Write a new page; 发布 publishes it at once, 保存草稿 keeps a draft."""
    form = _form()
    if not form.is_submitted():
        return _editor(form, None)
    if not form.validate():
        return _editor(form, None, 400)
    try:  # sent twice (a double click): the page the first one saved
        page = submissions.once(
            "page",
            f"user:{current_user.id}",
            submission_key(),
            lambda: service.create_page(
                form.to_input(), current_user, publish=form.action == "publish"
            ),
            Page,
        )
    except InvalidInput as error:
        return _refused(form, None, error)
    flash("页面已发布。" if form.action == "publish" else "草稿已保存。", "success")
    return _to_editor(page)


@bp.route("/pages/<int:page_id>", methods=["GET", "POST"])
def page_edit(page_id: int):
    """Edit a page: 保存 / 发布 (更新) / 撤回为草稿, with the version check."""
    page = get_page(page_id)
    form = _form(page)
    if not form.is_submitted():
        return _editor(form, page)
    if not form.validate():
        return _editor(form, page, 400)
    write, done = WRITES[form.action]
    try:
        write(page_id, current_user, form.to_input(), form.version.data)
    except EditConflict as conflict:
        return _conflict(form, page, conflict)
    except InvalidInput as error:
        return _refused(form, page, error)
    flash(done, "success")
    return _to_editor(page)


def _button(run: Callable[[], object], done: str, endpoint: str, **args):
    """A POST button of the list or the editor: CSRF, the service call `run`,
    then 303 to `endpoint` (cms.errors answers a refusal)."""
    if not PageActionForm().validate():
        abort(400)
    run()
    flash(done, "success")
    return redirect(url_for(endpoint, **args), 303)


@bp.post("/pages/<int:page_id>/trash")
def page_trash(page_id: int):
    """Move a page to the trash."""
    return _button(
        lambda: service.trash_page(page_id, current_user),
        "页面已移到回收站。", "moderation.pages",
    )  # fmt: skip


@bp.post("/pages/<int:page_id>/restore")
def page_restore(page_id: int):
    """Bring a page back from the trash, as a draft."""
    return _button(
        lambda: service.restore_page(page_id, current_user),
        "页面已恢复为草稿。", "moderation.page_edit", page_id=page_id,
    )  # fmt: skip


@bp.post("/pages/<int:page_id>/delete")
def page_delete(page_id: int):
    """Delete a trashed page for good."""
    return _button(
        lambda: service.delete_page(page_id, current_user),
        "页面已永久删除。", "moderation.pages", status="trash",
    )  # fmt: skip


@bp.get("/pages/<int:page_id>/revisions")
def page_revisions(page_id: int):
    """Every revision of a page, newest first; pick two to compare."""
    page = get_page(page_id)
    return _render(
        "moderation/page_revisions.html", page=page,
        revisions=revisions_of("page", page.id),
    )  # fmt: skip


@bp.get("/pages/<int:page_id>/diff")
def page_diff(page_id: int):
    """What changed from revision `a` to revision `b` (404 for a bad number)."""
    page = get_page(page_id)
    a, b = int_arg("a", status=404), int_arg("b", status=404)
    if a is None or b is None:
        abort(404)
    old, new = get_revision("page", page_id, a), get_revision("page", page_id, b)
    revisions = revisions_of("page", page_id)
    restorable = page.status != PageStatus.TRASH and old.number != revisions[0].number
    return render_template(
        "moderation/revision_diff.html",
        document=page,
        kind="页面",
        revisions=revisions,
        old=old,
        new=new,
        comparison=compare(Snapshot.of(old), Snapshot.of(new)),
        field_labels=FIELD_LABELS,
        field_text=field_text,
        revisions_url=url_for("moderation.page_revisions", page_id=page.id),
        edit_url=url_for("moderation.page_edit", page_id=page.id),
        restore_url=url_for(
            "moderation.page_revision_restore", page_id=page.id, number=old.number
        ) if restorable else None,
    )  # fmt: skip


@bp.post("/pages/<int:page_id>/revisions/<int:number>/restore")
def page_revision_restore(page_id: int, number: int):
    """Bring back an old revision (itself saved as a new revision)."""
    return _button(
        lambda: service.restore_revision(page_id, number, current_user),
        f"已恢复到第 {number} 版。", "moderation.page_edit", page_id=page_id,
    )  # fmt: skip
