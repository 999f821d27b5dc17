"""The reader's comment form: shape rules only (the services decide the rest)."""

from typing import Any, NamedTuple
from urllib.parse import urlsplit

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from cms.forms import BaseForm, IdField
from cms.text.comment_text import strip_controls
from cms.text.names import clean_name

# The labelled fields' labels: the form's and the blank form's (one text).
LABELS = {
    "author": "昵称",
    "email": "邮箱（不会公开）",
    "url": "网站（可选）",
    "body": "评论内容",
    "nickname": "请勿填写此项",
    "remember": "在此浏览器中记住我的昵称、邮箱和网站",
    "notify": "有人回复时用邮件通知我",
}


def _clean_body(value: str | None) -> str:
    return strip_controls(value or "")


def _http_url(form, field) -> None:
    parts = urlsplit(field.data or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in field.data:
        raise ValidationError("请填写以 http:// 或 https:// 开头的网址")


class CommentForm(BaseForm):
    """Name, e-mail, optional site, text; `parent_id` for replies; `nickname`
    is a honeypot that people never see. The anti-forgery field is checked by
    the view (signed token for readers, session token for logged-in users)."""

    class Meta:
        csrf = False

    author = StringField(
        LABELS["author"], filters=[clean_name],
        validators=[DataRequired("请填写昵称"), Length(1, 50, "昵称最多 50 个字符")],
    )  # fmt: skip
    email = EmailField(
        LABELS["email"], filters=[lambda v: (v or "").strip()],
        validators=[DataRequired("请填写邮箱"), Length(max=254),
                    Email("邮箱格式不正确", check_deliverability=False)],
    )  # fmt: skip
    url = URLField(
        LABELS["url"], filters=[lambda v: (v or "").strip()],
        validators=[Optional(), Length(max=512, message="网址太长"), _http_url],
    )  # fmt: skip
    body = TextAreaField(
        LABELS["body"], filters=[_clean_body],
        validators=[DataRequired("请填写评论内容"),
                    Length(2, 5000, "评论须为 2-5000 个字符")],
    )  # fmt: skip
    parent_id = IdField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(min=1)]
    )
    csrf_token = HiddenField()
    nickname = StringField(LABELS["nickname"])
    remember = BooleanField(LABELS["remember"])
    notify = BooleanField(LABELS["notify"])


class _Label(NamedTuple):
    text: str


class ShownField(NamedTuple):
    """One field of a blank form, as the template reads a WTForms field."""

    name: str
    label: _Label
    data: Any = None
    errors: tuple[str, ...] = ()


class BlankCommentForm:
    """The form a page offers before anything is sent: what the template
    reads of a CommentForm (each field's name, label, data and no errors),
    filled with `data` (the form token, a reply's parent, the remembered
    name, e-mail and site). Made per page, never shared (it may carry a
    reader's remembered fields), and about a twentieth of the cost of
    binding a CommentForm, which an uncached article page paid on every
    view; a rejected submission is shown through the CommentForm itself."""

    HIDDEN = ("parent_id", "csrf_token")  # fields without a label

    def __init__(self, **data: Any) -> None:
        labels = {**LABELS, **dict.fromkeys(self.HIDDEN, "")}
        unknown = data.keys() - labels.keys()
        if unknown:
            raise TypeError(f"not a comment form field: {sorted(unknown)}")
        for name, label in labels.items():
            setattr(self, name, ShownField(name, _Label(label), data.get(name)))
