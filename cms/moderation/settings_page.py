"""The settings page: every setting, grouped; one POST saves all or nothing.
Also the reprint notice's live preview (JSON, for static/js/settings.js)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from cms.moderation.settings_forms import SettingsFormBase, settings_form
from cms.moderation.views import bp
from cms.services.attribution import preview_notice
from cms.services.errors import FieldError, InvalidInput, NotAllowed
from cms.services.setting_specs import SPECS
from cms.services.settings import (
    current_settings,
    editable_specs,
    stored_problems,
    update_settings,
)


def _page(form: SettingsFormBase, status: int = 200):
    saved_notice = preview_notice(current_settings()["site.reprint_notice"])
    return render_template(
        "moderation/settings.html",
        form=form,
        site_url=current_app.config["SITE_URL"],
        notice_preview=saved_notice,
    ), status


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """GET: the page. POST: every value checked by the settings service, then
    all stored with one audit entry (303 back) or none (400, the form again
    with each error beside its field and every typed value kept). Editors
    get the page without the admin-only settings; sending one anyway: 403."""
    form = settings_form(editable_specs(current_user))
    if not form.is_submitted():
        form.show_stored_problems(stored_problems())
        return _page(form)
    if form.validate():
        try:
            changes = update_settings(_sent(form), current_user, form.uploads())
        except NotAllowed:
            abort(403)
        except FieldError as error:
            form.show_errors(error.errors)
        else:
            flash("已保存" if changes else "没有改动，无需保存", "success")
            return redirect(url_for("moderation.settings"), 303)
    return _page(form, 400)


def _sent(form: SettingsFormBase) -> dict[str, str]:
    """The form's values, and any other setting the POST names (the service
    decides whether this user may change it)."""
    others = {k: request.form[k] for k in SPECS if k in request.form and k not in form}
    return form.values() | others


@bp.post("/settings/notice-preview")
def notice_preview():
    """{"template": …} (JSON, or a form field) -> JSON {"html": the notice
    filled in}, or 400 {"error": why the setting would refuse the template}."""
    payload = request.get_json(silent=True) if request.is_json else request.form
    template = payload.get("template") if isinstance(payload, Mapping) else None
    if not isinstance(template, str):
        return jsonify(error="缺少模板文字"), 400
    try:
        return jsonify(html=str(preview_notice(template)))
    except InvalidInput as error:
        return jsonify(error=str(error)), 400
