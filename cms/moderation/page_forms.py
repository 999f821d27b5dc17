"""Forms of the page editor and of the page list's buttons."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import HiddenInput

from cms.forms import BaseForm, IdField, select_choices, to_id_or
from cms.models import Page
from cms.services.page_edits import (
    MAX_POSITION,
    MAX_SLUG_LENGTH,
    MAX_TITLE_LENGTH,
    PageInput,
)

MAX_BODY_LENGTH = 200_000
# The editor's buttons (name="do"): what a POST of the form does.
ACTIONS = ("save", "publish", "unpublish")


def _strip(value: str | None) -> str:
    return (value or "").strip()


def _parent(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return to_id_or(value, -1)  # -1: no such page: the service says so, in Chinese


class PageForm(BaseForm):
    """A page: title, slug, parent, position, whether readers may comment,
    Markdown body; `version` is the
    version the editor loaded (the service refuses a save over a newer one)."""

    title = StringField(
        "标题",
        filters=[_strip],
        validators=[
            DataRequired("请填写标题"),
            Length(max=MAX_TITLE_LENGTH, message=f"标题最多 {MAX_TITLE_LENGTH} 个字"),
        ],
    )
    slug = StringField(
        "网址别名",
        filters=[_strip],
        validators=[
            Length(
                max=MAX_SLUG_LENGTH, message=f"网址别名最多 {MAX_SLUG_LENGTH} 个字符"
            )
        ],
        description="留空则按标题生成拼音；只能用小写字母、数字和连字符。",
    )
    # Not checked against the choices here: the service refuses a missing
    # parent or a cycle with a message for people.
    parent_id = SelectField("上级页面", coerce=_parent, validate_choice=False)
    position = IdField(
        "排序",
        default=0,
        validators=[
            InputRequired("请填写排序（整数）"),
            NumberRange(0, MAX_POSITION, f"排序须为 0-{MAX_POSITION} 的整数"),
        ],
        description="同级页面按这个数字从小到大排列。",
    )
    allow_comments = BooleanField(
        "允许评论", default=False,
        description="读者可以在这个页面下发表评论（例如留言板）。",
    )  # fmt: skip
    body = TextAreaField("正文（Markdown）", validators=[
        Length(max=MAX_BODY_LENGTH, message="正文太长了")])  # fmt: skip
    # The version the editor loaded; the real form always sends it (a POST
    # without one, from a script, is not version-checked).
    version = IdField(widget=HiddenInput(), validators=[Optional()])
    # Which button was pressed: the buttons carry name="do" (no hidden input,
    # or it would shadow them).
    do = HiddenField(default="save")

    def set_parents(self, tree: list[tuple[Page, int]], excluded: set[int]) -> None:
        """The parent select: "none" then every page in tree order (indented),
        except `excluded` (the page itself and its descendants)."""
        marks = {"draft": "（草稿）", "trash": "（回收站）"}
        self.parent_id.choices = select_choices(
            [("", "（无，顶级页面）")]
            + [
                (page.id, "　" * depth + page.title + marks.get(page.status.value, ""))
                for page, depth in tree
                if page.id not in excluded
            ]
        )

    def to_input(self) -> PageInput:
        """What the service takes."""
        return PageInput(
            title=self.title.data or "",
            body_markdown=(self.body.data or "").replace("\r\n", "\n"),
            slug=self.slug.data or "",
            parent_id=self.parent_id.data,
            position=self.position.data or 0,
            allow_comments=bool(self.allow_comments.data),
        )

    @property
    def action(self) -> str:
        """The button pressed (save when unknown)."""
        return self.do.data if self.do.data in ACTIONS else "save"


class PageActionForm(BaseForm):
    """A CSRF-only POST button (trash, restore, delete, restore revision)."""
