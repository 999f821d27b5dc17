"""The steps of a login after the password: the code (`second_step`), and
for an admin the site requires it of, setting up two-factor login
(`enrol`). Both work only on a pending login (cms.auth.steps)."""

from __future__ import annotations

import time

from flask import flash, make_response, redirect, render_template, request, url_for
from markupsafe import Markup

from cms.auth.forms import CodeForm
from cms.auth.sessions import begin_session
from cms.auth.steps import enrol_secret, finish_login, read_pending
from cms.auth.views import bp
from cms.logs import log_event
from cms.services.errors import FieldError
from cms.services.logins import Throttled, check_second_factor
from cms.services.settings import get_setting
from cms.services.two_factor import WRONG_CODE, enable_two_factor, enrol_qr

START_OVER = "登录已过期，请重新输入用户名和密码"


def _start_over():
    flash(START_OVER, "info")
    return redirect(url_for("auth.login"), 303)


def _private(body: str, status: int = 200, headers: dict | None = None):
    """A page about a secret: never cached."""
    response = make_response(body, status, headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/two-factor", methods=["GET", "POST"])
def second_step():
    """The code after a right password: 303 on, logged in, for a right code;
    401 for a wrong or used one; 429 while a login limit makes it wait."""
    pending = read_pending(enrol=False)
    if pending is None:
        return _start_over()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            ok = check_second_factor(
                pending.user, form.code.data, request.remote_addr or ""
            )
        except Throttled as refused:
            page = render_template(
                "auth/two_factor.html", form=form, error=str(refused)
            )
            return _private(page, 429, {"Retry-After": str(refused.retry_after)})
        if ok:
            return finish_login(pending.user, pending.remember, pending.next_url)
    failed = request.method == "POST"
    error = WRONG_CODE if failed else None
    page = render_template("auth/two_factor.html", form=form, error=error)
    return _private(page, 401 if failed else 200)


@bp.route("/two-factor/setup", methods=["GET", "POST"])
def enrol():
    """Setting up two-factor login, required of this account, before it is
    let in: the QR code and the secret; a right code turns it on, logs in
    and shows the recovery codes once (200); a wrong one answers 400."""
    pending = read_pending(enrol=True)
    if pending is None:
        return _start_over()
    secret, user = enrol_secret(), pending.user
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = enable_two_factor(user.id, secret, form.code.data, time.time())
        except FieldError as error:
            form.code.errors = [*form.code.errors, *error.errors.values()]
        else:
            begin_session(user, pending.remember)
            log_event("auth.login", user_id=user.id, ip=request.remote_addr)
            next_url = pending.next_url or url_for("moderation.dashboard")
            page = render_template(
                "auth/recovery_codes.html", codes=codes, next_url=next_url
            )
            return _private(page)
    qr = Markup(enrol_qr(user.username, secret, get_setting("site.name")))  # noqa: S704  # nosec B704  # SVG squares drawn by segno, no text
    page = render_template(
        "auth/two_factor_setup.html", form=form, qr=qr, secret=secret, user=user
    )
    return _private(page, 400 if form.errors else 200)
