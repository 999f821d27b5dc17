"""Forms of the auth blueprint: login, forgotten password, new password."""

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from cms.forms import BaseForm


class LoginForm(BaseForm):
    """Username and password; the shape only, the service decides the rest."""

    username = StringField(
        "用户名",
        validators=[
            DataRequired(message="请输入用户名"),
            Length(max=32, message="用户名最多 32 个字符"),
        ],
    )
    password = PasswordField(
        "密码",
        validators=[
            DataRequired(message="请输入密码"),
            Length(max=1024, message="密码最多 1024 个字符"),
        ],
    )
    remember = BooleanField("记住我")


def _strip(value):
    """Surrounding spaces dropped from typed text (None and the rest as is)."""
    return value.strip() if isinstance(value, str) else value


class ForgotForm(BaseForm):
    """Who forgot their password: a username or an e-mail address."""

    identifier = StringField(
        "用户名或邮箱",
        filters=[_strip],
        validators=[
            DataRequired(message="请输入用户名或邮箱"),
            Length(max=254, message="最多 254 个字符"),
        ],
    )


class ResetForm(BaseForm):
    """A new password, twice (the rules are the service's)."""

    password = PasswordField(
        "新密码",
        validators=[
            DataRequired(message="请输入新密码"),
            Length(max=1024, message="密码最多 1024 个字符"),
        ],
        description="至少 10 个字符，不能是常见密码",
    )
    confirm = PasswordField(
        "再次输入新密码",
        validators=[
            DataRequired(message="请再次输入新密码"),
            EqualTo("password", message="两次输入的密码不一致"),
        ],
    )


class CodeForm(BaseForm):
    """A code of the authenticator app (or a recovery code): shape only."""

    code = StringField(
        "验证码",
        filters=[_strip],
        validators=[
            DataRequired(message="请输入验证码"),
            Length(max=32, message="验证码最多 32 个字符"),
        ],
        description="验证器应用上显示的 6 位数字，或一个恢复码",
    )
