"""Everyone's own account: the profile shown on their author page, and
their password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from cms.auth.sessions import begin_session, remembered
from cms.models import Role
from cms.moderation.user_forms import PasswordChangeForm, ProfileForm, show_errors
from cms.moderation.views import bp, open_to
from cms.services.address_limits import AddressThrottled
from cms.services.errors import FieldError
from cms.services.media import MAX_UPLOAD_BYTES
from cms.services.profiles import ProfileInput, change_own_password, update_profile


def _upload(field) -> bytes | None:
    """The bytes of a chosen file (one byte over the limit at most, enough
    for the service to say it is too big); None when none was chosen."""
    data = field.data
    if isinstance(data, FileStorage) and data.filename:
        return data.read(MAX_UPLOAD_BYTES + 1)
    return None


def _profile_input(form: ProfileForm) -> ProfileInput:
    return ProfileInput(
        display_name=form.display_name.data or "",
        bio=form.bio.data or "",
        email=form.email.data or "",
        tip_wechat=form.tip_wechat.data or "",
        tip_alipay=form.tip_alipay.data or "",
        avatar=_upload(form.avatar),
        remove_avatar=form.remove_avatar.data,
        wechat_qr=_upload(form.wechat_qr),
        alipay_qr=_upload(form.alipay_qr),
    )


@bp.route("/profile", methods=["GET", "POST"])
@open_to(*Role)
def profile():
    """One's own profile; POST (multipart) saves it: 303 back here, or 400
    with the errors beside the fields and nothing stored."""
    posted = request.method == "POST"
    form = ProfileForm(obj=None if posted else current_user)
    if form.validate_on_submit():
        try:
            changes = update_profile(current_user.id, _profile_input(form))
        except FieldError as error:
            show_errors(form, error)
        else:
            flash("个人资料已保存。" if changes else "没有改动。",
                  "success" if changes else "info")  # fmt: skip
            return redirect(url_for("moderation.profile"), 303)
    page = render_template("moderation/profile.html", form=form)
    return page, 400 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
@open_to(*Role)
def change_password():
    """Change one's own password after entering the current one. Every other
    session of the account ends; this one stays logged in. Wrong current
    password: 400 (it counts towards the failed-login limit of the address);
    429 while that limit is full."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            user = change_own_password(
                current_user.id,
                form.current_password.data,
                form.new_password.data,
                request.remote_addr or "",
            )
        except FieldError as error:
            show_errors(form, error)
        except AddressThrottled as refused:
            form.form_errors.append(str(refused))
            page = render_template("moderation/password.html", form=form)
            return page, 429, {"Retry-After": str(refused.retry_after)}
        else:
            begin_session(user, remember=remembered())  # the new session version
            flash("密码已修改，其他设备上的登录已全部结束。", "success")
            return redirect(url_for("moderation.profile"), 303)
    page = render_template("moderation/password.html", form=form)
    return page, 400 if form.errors else 200
