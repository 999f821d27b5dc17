"""Forms of the auth blueprint."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Username and password; the shape only, the service decides the rest."""

    username = StringField("用户名", validators=[DataRequired(), Length(max=32)])
    password = PasswordField("密码", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("记住我")
