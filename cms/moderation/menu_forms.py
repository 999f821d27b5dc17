"""Forms of the menus page: add a link, change one, move one."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.validators import AnyOf, Length

from cms.forms import BaseForm, select_choices, to_id_or
from cms.models import Category, Page
from cms.services.menus import MAX_LABEL_LENGTH, MAX_URL_LENGTH

KIND_CHOICES = select_choices([("category", "分类"), ("page", "页面"), ("url", "网址")])
LABEL_LENGTH = Length(
    max=MAX_LABEL_LENGTH, message=f"链接文字最多 {MAX_LABEL_LENGTH} 个字符"
)
URL_LENGTH = Length(max=MAX_URL_LENGTH, message=f"网址最多 {MAX_URL_LENGTH} 个字符")


def _strip(value: str | None) -> str:
    return (value or "").strip()


def _optional_int(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return to_id_or(value, None)


class MenuItemForm(BaseForm):
    """A new link: `menu` is header or friends; `kind` says which of
    category_id, page_id or url is meant (friend links are always URLs)."""

    menu = HiddenField(validators=[AnyOf(["header", "friends"], "未知的菜单")])
    kind = RadioField(
        "链接到",
        default="category",
        choices=KIND_CHOICES,
        validate_choice=False,
        validators=[AnyOf(["category", "page", "url"], "请选择链接类型")],
    )
    category_id = SelectField("分类", coerce=_optional_int, validate_choice=False)
    page_id = SelectField("页面", coerce=_optional_int, validate_choice=False)
    url = StringField(
        "网址",
        filters=[_strip],
        validators=[URL_LENGTH],
        description="https://… 或以 / 开头的站内路径",
    )
    label = StringField("链接文字", filters=[_strip], validators=[LABEL_LENGTH])

    def set_targets(self, categories: list[Category], pages: list[Page]) -> None:
        """The category and page selects."""
        self.category_id.choices = select_choices(
            [("", "选择分类…")] + [(c.id, c.name) for c in categories]
        )
        unpublished = "（未发布）"
        self.page_id.choices = select_choices(
            [("", "选择页面…")]
            + [
                (p.id, p.title + ("" if p.status.value == "published" else unpublished))
                for p in pages
            ]
        )

    @property
    def target_id(self) -> int | None:
        """The chosen category or page, for the kind chosen."""
        return {"category": self.category_id.data, "page": self.page_id.data}.get(
            self.kind.data
        )


class MenuUpdateForm(BaseForm):
    """A link's new label (and URL, for a URL link)."""

    label = StringField("链接文字", filters=[_strip], validators=[LABEL_LENGTH])
    url = StringField("网址", filters=[_strip], validators=[URL_LENGTH])


class MenuMoveForm(BaseForm):
    """上移 / 下移."""

    direction = HiddenField(validators=[AnyOf(["up", "down"], "未知的方向")])


class MenuDeleteForm(BaseForm):
    """A CSRF-only delete button."""
