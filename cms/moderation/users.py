"""The users page (admins only): every account, a form for a new one, and
one account's name, address, role, activation and password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cms.forms import submission_key
from cms.models import Role, User
from cms.moderation.user_forms import (
    ROLE_LABELS,
    CreateUserForm,
    EditUserForm,
    SendLinkForm,
    SetPasswordForm,
    show_errors,
)
from cms.moderation.views import bp, open_to
from cms.services import submissions
from cms.services.errors import FieldError, InvalidInput
from cms.services.mail import mail_configured
from cms.services.password_reset import send_reset_link
from cms.services.users import (
    AccountEdit,
    create_account,
    edit_account,
    get_account,
    list_accounts,
    set_password_by_admin,
)

DONE = {
    "user-update": "资料已保存",
    "user-role": "角色已更改",
    "user-deactivate": "账号已停用，该用户的所有登录已结束",
    "user-activate": "账号已启用",
}


@bp.route("/users", methods=["GET", "POST"])
@open_to(Role.ADMIN)
def users():
    """Every account; POST creates one (303 back here, 400 with the errors)."""
    form = CreateUserForm()
    if form.validate_on_submit():
        try:  # sent twice (a double click): the account the first one made
            user = submissions.once(
                "user",
                f"user:{current_user.id}",
                submission_key(),
                lambda: create_account(
                    current_user,
                    form.username.data,
                    form.role.data,
                    form.password.data,
                    form.display_name.data,
                    form.email.data,
                ),
                User,
            )
        except FieldError as error:
            show_errors(form, error)
        else:
            flash(f"已创建用户 {user.username}。", "success")
            return redirect(url_for("moderation.users"), 303)
    page = render_template(
        "moderation/users.html", rows=list_accounts(), form=form, roles=ROLE_LABELS
    )
    return page, 400 if form.errors else 200


def _forms(user: User, posted: str | None) -> dict:
    """The page's three forms by the `do` that posts them; only the posted
    one reads the request (the others show the stored state)."""

    def read(name: str) -> dict:
        return {} if posted == name else {"formdata": None}

    edit = EditUserForm(obj=user, **read("save"))
    if posted != "save":
        edit.role.data = user.role.value
    return {
        "save": edit,
        "password": SetPasswordForm(**read("password")),
        "send-link": SendLinkForm(**read("send-link")),
    }


def _save(user: User, form: EditUserForm):
    edit = AccountEdit(
        form.display_name.data, form.email.data, form.role.data, form.active.data
    )
    actions = edit_account(user.id, current_user, edit)
    flash("；".join(DONE[a] for a in actions) + "。" if actions else "没有改动。",
          "success" if actions else "info")  # fmt: skip


def _set_password(user: User, form: SetPasswordForm):
    set_password_by_admin(user.id, current_user, form.password.data)
    flash(f"已为 {user.username} 设置新密码，该用户的所有登录已结束。", "success")


def _send_link(user: User, form: SendLinkForm):
    send_reset_link(user.id, current_user)
    flash(f"重置密码的链接已发送到 {user.email}（1 小时内有效）。", "success")


ACTIONS = {"save": _save, "password": _set_password, "send-link": _send_link}


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@open_to(Role.ADMIN)
def user_edit(user_id: int):
    """One account. POST `do` = save (name, address, role, active), password
    (the admin types a new one) or send-link (mail a reset link): 303 back
    here, or 400 with the errors beside the fields and nothing changed."""
    user = get_account(user_id)
    posted = request.form.get("do", "save") if request.method == "POST" else None
    if posted is not None and posted not in ACTIONS:
        abort(400)
    forms = _forms(user, posted)
    if posted is not None and forms[posted].validate_on_submit():
        form = forms[posted]
        try:
            ACTIONS[posted](user, form)
        except FieldError as error:
            show_errors(form, error)
        except InvalidInput as error:
            form.form_errors.append(str(error))
        else:
            return redirect(url_for("moderation.user_edit", user_id=user.id), 303)
    page = render_template(
        "moderation/user_edit.html", user=user, roles=ROLE_LABELS,
        mail_on=mail_configured(), edit=forms["save"],
        password=forms["password"], link=forms["send-link"],
    )  # fmt: skip
    return page, 400 if any(f.errors for f in forms.values()) else 200
