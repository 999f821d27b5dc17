"""Forms of the users page, the profile page and the password page. They
check shape only (required, length); the services apply the rules."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from cms.forms import BaseForm, select_choices
from cms.models import Role
from cms.services.errors import FieldError
from cms.services.profiles import MAX_BIO

ROLE_LABELS = {"admin": "管理员", "editor": "编辑", "contributor": "投稿者"}
ROLE_CHOICES = select_choices(ROLE_LABELS.items())
_PASSWORD_MAX = Length(max=1024, message="密码最多 1024 个字符")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _display_name(required: bool) -> StringField:
    first = DataRequired(message="请填写显示名称") if required else Optional()
    return StringField(
        "显示名称",
        filters=[_strip],
        validators=[first, Length(max=100, message="显示名称最多 100 个字符")],
    )


def _email() -> StringField:
    return StringField(
        "邮箱",
        filters=[_strip],
        validators=[Optional(), Length(max=254, message="邮箱最多 254 个字符")],
        description="用于接收审核通知和重置密码的邮件",
    )


def _pay_link(label: str) -> StringField:
    return StringField(
        label,
        filters=[_strip],
        validators=[Length(max=512, message="收款链接最多 512 个字符")],
        description="以 https://、wxp:// 或 alipays:// 开头",
    )


def show_errors(form: BaseForm, error: FieldError) -> None:
    """Put a service's field errors beside the form's fields (an unknown
    field name goes to the form's own errors)."""
    for name, message in error.errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


class CreateUserForm(BaseForm):
    """A new account, from the users page."""

    username = StringField(
        "用户名",
        filters=[_strip],
        validators=[
            DataRequired(message="请填写用户名"),
            Length(max=32, message="用户名最多 32 个字符"),
        ],
        description="2-32 个字母、数字或 _ . -，用于登录",
    )
    display_name = _display_name(required=False)
    email = _email()
    role = SelectField("角色", choices=ROLE_CHOICES, default=Role.CONTRIBUTOR.value)
    password = PasswordField(
        "初始密码",
        validators=[DataRequired(message="请填写初始密码"), _PASSWORD_MAX],
        description="至少 10 个字符，不能是常见密码",
    )


class EditUserForm(BaseForm):
    """What an admin changes about an account."""

    display_name = _display_name(required=True)
    email = _email()
    role = SelectField("角色", choices=ROLE_CHOICES)
    active = BooleanField("账号已启用（停用会立即结束该用户的所有登录）")


class SetPasswordForm(BaseForm):
    """An admin types another account's new password."""

    password = PasswordField(
        "新密码",
        validators=[DataRequired(message="请填写新密码"), _PASSWORD_MAX],
        description="至少 10 个字符；保存后该用户的所有登录会立即结束",
    )


class SendLinkForm(BaseForm):
    """A button: mail the account a reset link."""


class ProfileForm(BaseForm):
    """The account's own profile (multipart: the avatar and QR images)."""

    display_name = _display_name(required=True)
    # The length is the service's rule (it counts a line break as one).
    bio = TextAreaField(
        "个人简介", description=f"纯文本，最多 {MAX_BIO} 个字符，显示在你的作者页上"
    )
    email = _email()
    avatar = FileField(
        "上传新头像",
        description="PNG、JPEG 或 WEBP，不超过 2 MB、400 万像素（如 2000×2000）",
    )
    remove_avatar = BooleanField("移除头像")
    tip_wechat = _pay_link("微信收款链接")
    wechat_qr = FileField("或上传微信收款码图片")
    tip_alipay = _pay_link("支付宝收款链接")
    alipay_qr = FileField("或上传支付宝收款码图片")


class PasswordChangeForm(BaseForm):
    """Change one's own password."""

    current_password = PasswordField(
        "当前密码", validators=[DataRequired(message="请输入当前密码"), _PASSWORD_MAX]
    )
    new_password = PasswordField(
        "新密码",
        validators=[DataRequired(message="请输入新密码"), _PASSWORD_MAX],
        description="至少 10 个字符，不能是常见密码",
    )
    confirm = PasswordField(
        "再次输入新密码",
        validators=[
            DataRequired(message="请再次输入新密码"),
            EqualTo("new_password", message="两次输入的新密码不一致"),
        ],
    )
