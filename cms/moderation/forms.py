"""Forms of the moderation area: the queue's filter (GET) and its POST forms."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import HiddenInput

from cms.forms import BaseForm, IdField, select_choices, to_id
from cms.models import CommentStatus
from cms.services.queue import QueueFilter

STATUS_LABELS = {
    "pending": "待审",
    "approved": "已批准",
    "spam": "垃圾",
    "trash": "回收站",
}
ACTION_LABELS = {
    "approve": "批准",
    "unapprove": "待审",
    "spam": "垃圾",
    "trash": "回收站",
    "restore": "恢复",
    "delete": "永久删除",
}
# The query-string fields that make a view of the queue (kept across actions).
FILTER_FIELDS = ("status", "article", "author", "email", "ip", "text", "order")


def _strip(value: str | None) -> str:
    return (value or "").strip()


class QueueFilterForm(BaseForm):
    """Which comments the queue shows; read from the query string."""

    class Meta:
        csrf = False

    status = SelectField("状态", choices=select_choices(STATUS_LABELS.items()),
                         default="pending", validate_choice=False)  # fmt: skip
    article = StringField("文章 ID", filters=[_strip], validators=[Length(max=16)])
    author = StringField("昵称", filters=[_strip], validators=[Length(max=100)])
    email = StringField("邮箱", filters=[_strip], validators=[Length(max=254)])
    ip = StringField("IP", filters=[_strip], validators=[Length(max=45)])
    text = StringField("内容", filters=[_strip], validators=[Length(max=200)])
    order = SelectField("排序", choices=select_choices([("newest", "最新在前"),
                                                        ("oldest", "最早在前")]),
                        default="newest", validate_choice=False)  # fmt: skip
    after = HiddenField()

    @property
    def status_value(self) -> CommentStatus:
        """The tab asked for; an unknown one means the pending tab."""
        try:
            return CommentStatus(self.status.data)
        except ValueError:
            return CommentStatus.PENDING

    def to_filter(self) -> QueueFilter:
        """The service's filter; fields that are too long are ignored."""
        if not hasattr(self, "_filter"):
            self.validate()
            text = {
                name: "" if self[name].errors else self[name].data
                for name in ("article", "author", "email", "ip", "text")
            }
            self._filter = QueueFilter(
                status=self.status_value,
                oldest_first=self.order.data == "oldest",
                **text,
            )
        return self._filter

    def args(self, with_cursor: bool = False) -> dict[str, str]:
        """The non-empty filter fields, for links and redirects."""
        filter_ = self.to_filter()
        values = {"status": filter_.status.value, "article": filter_.article,
                  "author": filter_.author, "email": filter_.email, "ip": filter_.ip,
                  "text": filter_.text,
                  "order": "oldest" if filter_.oldest_first else ""}  # fmt: skip
        if with_cursor:
            values["after"] = self.after.data or ""
        return {key: value for key, value in values.items() if value}

    @property
    def is_filtered(self) -> bool:
        """True when more than the tab narrows the list."""
        return any(self.args().get(name) for name in FILTER_FIELDS[1:6])


class BulkForm(BaseForm):
    """The queue's bulk form (INTERFACE.md): checked `ids`, or every comment
    the filter matches (`all_matching`), and one action."""

    ids = SelectMultipleField("评论", coerce=to_id, validate_choice=False)
    action = SelectField("操作", choices=select_choices(ACTION_LABELS.items()),
                         validators=[InputRequired("请选择操作")])  # fmt: skip
    all_matching = BooleanField("全部符合条件的评论")


class UndoForm(BaseForm):
    """Undo one recorded action."""

    entry_id = IdField(widget=HiddenInput(),
                            validators=[InputRequired(), NumberRange(1)])  # fmt: skip


class EmptyForm(BaseForm):
    """Empty the spam or the trash."""

    status = HiddenField(validators=[AnyOf(["spam", "trash"])])


class PinForm(BaseForm):
    """Pin (1) or unpin (0) one comment."""

    pinned = StringField(validators=[AnyOf(["1", "0"], "置顶参数不正确")])


class ReplyForm(BaseForm):
    """An editor's reply, published under their name."""

    body = TextAreaField(
        "回复",
        validators=[
            DataRequired("请填写回复"),
            Length(2, 5000, "回复须为 2-5000 个字符"),
        ],
    )


class EditForm(BaseForm):
    """A comment's new text, and why it was changed (kept in the audit log)."""

    body = TextAreaField(
        "评论内容",
        validators=[
            DataRequired("请填写评论内容"),
            Length(2, 5000, "评论须为 2-5000 个字符"),
        ],
    )
    reason = StringField("修改原因（可选）", filters=[_strip],
                         validators=[Optional(), Length(max=200)])  # fmt: skip
    next = HiddenField()


class BanForm(BaseForm):
    """What to ban of a comment's author."""

    by_email = BooleanField("邮箱", default=True)
    by_ip = BooleanField("IP")
    ip_range = BooleanField("IP 段（/24）")
    spam_pending = BooleanField("把他们其他的待审评论标为垃圾", default=True)


class EraseForm(BaseForm):
    """A commenter's erasure request (个人信息删除)."""

    # No e-mail syntax check: imported comments may hold any address.
    email = StringField("邮箱", filters=[_strip], validators=[
        DataRequired("请填写邮箱"), Length(max=254)])  # fmt: skip
    mode = RadioField("删除方式", default="personal", choices=select_choices([
        ("personal", "只删除个人信息（保留评论内容，昵称改为“已删除”）"),
        ("comments", "删除全部评论")]))  # fmt: skip
    confirm = BooleanField("我确认这个操作无法撤销",
                           validators=[DataRequired("请勾选确认")])  # fmt: skip
