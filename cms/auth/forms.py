"""Forms of the auth blueprint."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
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
