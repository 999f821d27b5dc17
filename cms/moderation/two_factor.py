"""Everyone's own two-factor login (cms.services.two_factor): setting it
up, new recovery codes, turning it off. Each change needs a code and ends
the account's other sessions; this one goes on in a new session."""

from __future__ import annotations

import time

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from cms.auth.forms import CodeForm
from cms.auth.sessions import begin_session, remembered
from cms.auth.steps import enrol_secret
from cms.models import Role
from cms.moderation.views import bp, open_to
from cms.services.errors import FieldError
from cms.services.settings import get_setting
from cms.services.two_factor import (
    disable_two_factor,
    enable_two_factor,
    enrol_qr,
    recovery_codes_left,
    renew_recovery_codes,
    required_for,
)


def _private(body: str, status: int = 200):
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _codes_page(codes: list[str], title: str):
    page = render_template("moderation/two_factor_codes.html", codes=codes, title=title)
    return _private(page)


def _enable(code: str):
    user = current_user._get_current_object()  # the account, not the proxy
    codes = enable_two_factor(user.id, enrol_secret(), code, time.time())
    begin_session(user, remembered())  # drops the enrolment secret too
    return _codes_page(codes, "两步验证已开启")


def _renew(code: str):
    codes = renew_recovery_codes(current_user.id, code, time.time())
    return _codes_page(codes, "新的恢复码")


def _disable(code: str):
    user = disable_two_factor(current_user.id, code, time.time())
    begin_session(user, remembered())
    flash("两步验证已关闭，其他设备上的登录已全部结束。", "success")
    return redirect(url_for("moderation.two_factor"), 303)


ACTIONS = {"enable": _enable, "codes": _renew, "disable": _disable}


@bp.route("/two-factor", methods=["GET", "POST"])
@open_to(*Role)
def two_factor():
    """GET: on, how many recovery codes are left; off, the QR code and the
    secret. POST `do` = enable / codes (200 with the recovery codes, shown
    once) or disable (303 here; 403 when the site requires it); a wrong
    code answers 400 and changes nothing."""
    form = CodeForm()
    if form.is_submitted():
        action = ACTIONS.get(request.form.get("do", ""))
        if action is None:
            abort(400)
        try:
            if form.validate():
                return action(form.code.data)
        except FieldError as error:
            form.code.errors = [*form.code.errors, *error.errors.values()]
    return _private(_page(form), 400 if form.errors else 200)


def _page(form: CodeForm) -> str:
    user = current_user
    if user.has_two_factor:
        return render_template(
            "moderation/two_factor.html",
            form=form,
            required=required_for(user),
            codes_left=recovery_codes_left(user.id),
        )
    secret = enrol_secret()
    qr = Markup(enrol_qr(user.username, secret, get_setting("site.name")))  # noqa: S704  # nosec B704  # SVG squares drawn by segno, no text
    return render_template(
        "moderation/two_factor.html", form=form, qr=qr, secret=secret
    )
