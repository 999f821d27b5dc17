"""Forms of the categories page (POST, with CSRF). Shape checks only: the
rules that need the database (unique names and slugs, loops in the tree) are
the categories service's."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from cms.forms import BaseForm, select_choices, to_id_or
from cms.services.categories import (
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SLUG_LENGTH,
)
from cms.services.taxonomy import CategoryNode

TOP_LEVEL = 0  # the parent select's value for "no parent"


def _strip(value: str | None) -> str:
    return (value or "").strip()


def _to_int(value) -> int:
    """A select's value as an id; anything else is 0 (none chosen) and the
    service or the required check answers for it."""
    return to_id_or(value, 0)


def tree_choices(
    nodes: list[CategoryNode],
    none_label: str | None = None,
    skip: set[int] = frozenset(),
) -> list[SelectChoice]:
    """The tree as select options, indented by depth; `none_label` first (the
    value 0) when given; the ids in `skip` left out."""
    pairs = [(TOP_LEVEL, none_label)] if none_label is not None else []
    for node in nodes:
        if node.category.id not in skip:
            indent = "— " * node.depth
            pairs.append((node.category.id, f"{indent}{node.category.name}"))
    return select_choices(pairs)


class _NameFields(BaseForm):
    name = StringField(
        "名称",
        filters=[_strip],
        validators=[
            DataRequired("请填写分类名称"),
            Length(max=MAX_NAME_LENGTH, message=f"名称最多 {MAX_NAME_LENGTH} 个字符"),
        ],
    )
    slug = StringField(
        "别名（网址）",
        filters=[_strip],
        description="小写字母、数字和连字符；留空则用名称的拼音",
        validators=[
            Optional(),
            Length(max=MAX_SLUG_LENGTH, message=f"别名最多 {MAX_SLUG_LENGTH} 个字符"),
        ],
    )
    description = TextAreaField(
        "描述（可选）",
        filters=[_strip],
        validators=[
            Length(
                max=MAX_DESCRIPTION_LENGTH,
                message=f"描述最多 {MAX_DESCRIPTION_LENGTH} 个字符",
            )
        ],
    )


class CategoryCreateForm(_NameFields):
    """A new category."""

    parent = SelectField("上级分类", coerce=_to_int, default=TOP_LEVEL,
                         validate_choice=False)  # fmt: skip


class CategoryUpdateForm(_NameFields):
    """Rename a category: name, slug, description."""


class CategoryMoveForm(BaseForm):
    """Put a category under another one (0: the top level)."""

    parent = SelectField("移到", coerce=_to_int, default=TOP_LEVEL,
                         validate_choice=False)  # fmt: skip


class CategoryMergeForm(BaseForm):
    """Merge a category into another one."""

    target = SelectField(
        "合并到",
        coerce=_to_int,
        validate_choice=False,
        validators=[DataRequired("请选择要合并到的分类")],
    )


class CategoryDeleteForm(BaseForm):
    """Delete a category; its articles, if any, go to `move_to` (0: none)."""

    move_to = SelectField("把文章移到", coerce=_to_int, default=TOP_LEVEL,
                          validate_choice=False)  # fmt: skip
