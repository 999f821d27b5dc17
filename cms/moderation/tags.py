"""The tags page (editors and admins): every tag with its article count, and
per tag rename, merge into another and delete. Old slugs answer 301."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from cms.forms import BaseForm, to_id_or
from cms.moderation.views import bp
from cms.services.errors import InvalidInput
from cms.services.tags import delete_tag, merge_tags, rename_tag, tag_rows


class TagRenameForm(BaseForm):
    name = StringField(
        "名称",
        validators=[
            DataRequired("请填写标签名"),
            Length(max=100, message="标签名最多 100 个字符"),
        ],
    )
    slug = StringField("别名（网址）", validators=[Length(max=200)])


class TagMergeForm(BaseForm):
    target = SelectField("合并到", validate_choice=False)


class TagDeleteForm(BaseForm):
    pass


def _back():
    return redirect(url_for("moderation.tags"), 303)


def _first_error(form: BaseForm) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "表单已过期，请重新提交"


@bp.get("/tags")
def tags():
    """Every tag, by name, with its article count and its forms."""
    rows = tag_rows()
    return render_template(
        "moderation/tags.html",
        rows=rows,
        rename_form=TagRenameForm(formdata=None),
        merge_form=TagMergeForm(formdata=None),
        delete_form=TagDeleteForm(formdata=None),
    )


@bp.post("/tags/<int:tag_id>/rename")
def tag_rename(tag_id: int):
    form = TagRenameForm()
    if not form.validate():
        flash(_first_error(form), "error")
        return _back()
    try:
        tag = rename_tag(tag_id, form.name.data, form.slug.data or "", current_user)
    except InvalidInput as error:
        flash(str(error), "error")
        return _back()
    flash(f"标签已改为“{tag.name}”，旧网址会自动跳转。", "success")
    return _back()


@bp.post("/tags/<int:tag_id>/merge")
def tag_merge(tag_id: int):
    form = TagMergeForm()
    target = to_id_or(request.form.get("target") or "", 0)
    if not form.validate() or not target:
        flash("请选择要合并到的标签", "error")
        return _back()
    try:
        tag = merge_tags(tag_id, target, current_user)
    except InvalidInput as error:
        flash(str(error), "error")
        return _back()
    flash(f"已合并到“{tag.name}”，旧网址会跳转到它。", "success")
    return _back()


@bp.post("/tags/<int:tag_id>/delete")
def tag_delete(tag_id: int):
    form = TagDeleteForm()
    if not form.validate():
        flash(_first_error(form), "error")
        return _back()
    delete_tag(tag_id, current_user)
    flash("标签已删除，文章不受影响。", "success")
    return _back()
