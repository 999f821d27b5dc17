"""Forms of the posts area: the list's filter (GET), the editor, sending back."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cms.forms import BaseForm, select_choices, to_id, to_id_or
from cms.models import Article
from cms.services.article_edits import (
    MAX_BODY_LENGTH,
    MAX_CONTRIBUTOR_LENGTH,
    MAX_EXCERPT_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    ArticleEdit,
)
from cms.services.article_workflow import MAX_REASON_LENGTH
from cms.services.editorial import RelatedPicks
from cms.services.post_list import TABS, PostFilter
from cms.services.related.picks import overrides_of
from cms.services.settings import current_settings

# Tags are typed in one field, separated by commas (half or full width) or 顿号.
TAG_SEPARATORS = re.compile(r"[,，、]")
TIME_FORMAT = "%Y-%m-%dT%H:%M"
# Related picks: one article a line (spaces, commas and 顿号 separate too).
PICK_SEPARATORS = re.compile(r"[\s,，、]+")


def split_picks(text: str | None) -> list[str]:
    """The public ids or article addresses typed, in order, repeats dropped."""
    return list(dict.fromkeys(p for p in PICK_SEPARATORS.split(text or "") if p))


def split_tags(text: str | None) -> list[str]:
    """The tag names typed in the field, blank and repeated ones dropped."""
    names = (name.strip() for name in TAG_SEPARATORS.split(text or ""))
    return list(dict.fromkeys(name for name in names if name))


def site_zone() -> ZoneInfo:
    return ZoneInfo(current_settings()["site.timezone"])


def to_utc(local: datetime | None) -> datetime | None:
    """A wall-clock time typed in the site's zone, as aware UTC."""
    if local is None:
        return None
    return local.replace(tzinfo=site_zone()).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """An aware time as the site's wall clock (naive, for datetime-local)."""
    if value is None:
        return None
    return value.astimezone(site_zone()).replace(tzinfo=None, second=0, microsecond=0)


def _strip(value: str | None) -> str:
    return (value or "").strip()


def _id_or_none(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return to_id(value)


class PostFilterForm(BaseForm):
    """Which articles the list shows; read from the query string."""

    class Meta:
        csrf = False

    status = HiddenField(default="all")
    q = StringField("标题包含", filters=[_strip], validators=[Length(max=200)])
    author = SelectField("作者", coerce=_id_or_none, validate_choice=False)
    category = SelectField("分类", coerce=_id_or_none, validate_choice=False)

    def set_choices(self, authors, tree) -> None:
        """The author select (empty for contributors: they see only their
        own) and the category select, in tree order."""
        self.author.choices = select_choices(
            [("", "全部作者")] + [(str(user.id), user.display_name) for user in authors]
        )
        self.category.choices = select_choices([("", "全部分类"), *_indented(tree)])

    def to_filter(self) -> PostFilter:
        """The service's filter; unknown tabs mean 全部, bad values are ignored."""
        self.validate()
        tab = self.status.data if self.status.data in TABS else "all"
        return PostFilter(
            tab=tab,
            q="" if self.q.errors else self.q.data or "",
            author_id=None if self.author.errors else self.author.data,
            category_id=None if self.category.errors else self.category.data,
        )

    def args(self) -> dict[str, str]:
        """The non-empty filter fields except the tab, for links."""
        filter_ = self.to_filter()
        values = {
            "q": filter_.q,
            "author": filter_.author_id,
            "category": filter_.category_id,
        }
        return {key: str(value) for key, value in values.items() if value}


def _indented(tree) -> list[tuple[str, str]]:
    """(id, name indented by its depth) for each (category, depth) of a tree."""
    return [(str(node.id), "　" * depth + node.name) for node, depth in tree]


class CategoryField(SelectField):
    """The category select, refusing an id that is not among its choices
    (e.g. a category deleted while the editor was open) in Chinese."""

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError as error:
            raise ValidationError("所选分类不存在，请重新选择") from error


def _check_tags(form, field) -> None:
    names = split_tags(field.data)
    if len(names) > MAX_TAGS:
        raise ValidationError(f"标签最多 {MAX_TAGS} 个")
    if any(len(name) > MAX_TAG_LENGTH for name in names):
        raise ValidationError(f"每个标签最多 {MAX_TAG_LENGTH} 个字符")


def _whole_number(form, field) -> None:
    if field.data and to_id_or(field.data, None) is None:
        raise ValidationError("版本号无效，请刷新编辑页后再保存")


class PostForm(BaseForm):
    """The editor. `version` is the article version the editor was loaded
    with (the version check); the buttons post `do` (save, submit, publish,
    unpublish), read by the view."""

    title = StringField(
        "标题",
        filters=[_strip],
        validators=[
            DataRequired("请填写标题"),
            Length(max=200, message="标题最多 200 个字符"),
        ],
    )
    body = TextAreaField(
        "正文",
        validators=[
            Length(max=MAX_BODY_LENGTH, message=f"正文最多 {MAX_BODY_LENGTH} 个字符")
        ],
    )
    excerpt = TextAreaField(
        "摘要",
        filters=[_strip],
        validators=[
            Length(
                max=MAX_EXCERPT_LENGTH, message=f"摘要最多 {MAX_EXCERPT_LENGTH} 个字符"
            )
        ],
        description="留空则从正文自动截取",
    )
    category = CategoryField("分类", coerce=_id_or_none)
    tags = StringField(
        "标签",
        validators=[_check_tags],
        description="用逗号或顿号分隔；新标签会自动创建",
    )
    contributor = StringField(
        "署名投稿人",
        filters=[_strip],
        validators=[
            Length(
                max=MAX_CONTRIBUTOR_LENGTH,
                message=f"署名最多 {MAX_CONTRIBUTOR_LENGTH} 个字符",
            )
        ],
        description="留空则署作者本人的名字",
    )
    published_at = DateTimeLocalField(
        "发布时间",
        format=TIME_FORMAT,
        validators=[Optional()],
        invalid_value_message="请按“年-月-日 时:分”填写时间",
        description="按网站时区；留空则发布时取当前时间；填将来的时间即定时发布",
    )
    source = SelectField(
        "来源",
        choices=select_choices([("original", "原创"), ("reprint", "转载")]),
        default="original",
        validate_choice=False,
    )  # fmt: skip  (the service checks the value, in Chinese)
    source_url = StringField(
        "原文链接", filters=[_strip],
        validators=[Length(max=512, message="原文链接最多 512 个字符")],
        description="转载的文章必填：原文的网址，转载声明会链接到它",
    )  # fmt: skip
    allow_comments = BooleanField("允许评论", default=True)
    show_tip = BooleanField("显示打赏", default=True)
    version = HiddenField(validators=[_whole_number])
    # The cover: the current image's id (kept across the form's round trips),
    # replaced by a file chosen in `cover_file` (read by the view) or removed.
    cover_media_id = HiddenField()
    remove_cover = BooleanField("移除封面")
    # 相关推荐 (editors and admins): pins and exclusions, saved with the article.
    related_pins = TextAreaField(
        "置顶的相关文章",
        validators=[Length(max=2000, message="置顶的相关文章太多了")],
        description="每行一篇：文章地址或编号，按顺序排在相关推荐最前面",
    )
    related_excluded = TextAreaField(
        "不显示的文章",
        validators=[Length(max=2000, message="不显示的文章太多了")],
        description="每行一篇：这些文章不会出现在本文的相关推荐里",
    )
    related_query = StringField(
        "按标题查找文章",
        filters=[_strip],
        validators=[Length(max=100, message="查找的标题最多 100 个字符")],
    )
    image_alt = StringField(
        "图片说明（alt）",
        filters=[_strip],
        validators=[Length(max=300, message="图片说明最多 300 个字符")],
        description="给看不到图片的读者（和搜索引擎）的文字；插入的每张图片都用它",
    )

    def set_categories(self, tree) -> None:
        """The category select's choices: none, then the tree, indented."""
        self.category.choices = select_choices([("", "（未分类）"), *_indented(tree)])

    def to_edit(self) -> ArticleEdit:
        """The service's edit, the time converted from the site's zone to UTC."""
        return ArticleEdit(
            title=self.title.data or "",
            body_markdown=self.body.data or "",
            excerpt=self.excerpt.data or "",
            category_id=self.category.data,
            tags=tuple(split_tags(self.tags.data)),
            contributor=self.contributor.data or "",
            published_at=to_utc(self.published_at.data),
            allow_comments=bool(self.allow_comments.data),
            show_tip=bool(self.show_tip.data),
            cover_media_id=None
            if self.remove_cover.data
            else to_id_or(self.cover_media_id.data or 0, 0) or None,
            set_cover=True,
            source=self.source.data or "original",
            source_url=self.source_url.data or "",
        )

    def to_picks(self) -> RelatedPicks:
        """The related list's pins and exclusions, as typed."""
        return RelatedPicks(
            tuple(split_picks(self.related_pins.data)),
            tuple(split_picks(self.related_excluded.data)),
        )

    def add_picks(self, pins: list[str], excluded: list[str]) -> None:
        """Append the articles ticked in the title search's results."""
        for field, chosen in (
            (self.related_pins, pins),
            (self.related_excluded, excluded),
        ):
            have = split_picks(field.data)
            new = [p for p in chosen if p and p not in have]
            if new:
                field.data = "\n".join(have + new)

    @property
    def version_number(self) -> int:
        """The version the editor names (validated as a whole number)."""
        return to_id_or(self.version.data or 0, 0)


def editor_data(article: Article) -> dict:
    """A PostForm's initial values for an article (its related picks too)."""
    pins, excluded = overrides_of(article.id)
    return {
        "related_pins": "\n".join(pins),
        "related_excluded": "\n".join(excluded),
        "title": article.title,
        "body": article.body_markdown,
        "excerpt": article.excerpt,
        "category": article.category_id,
        "tags": "，".join(tag.name for tag in article.tags),
        "contributor": article.contributor,
        "published_at": to_local(article.published_at),
        "allow_comments": article.allow_comments,
        "show_tip": article.show_tip,
        "source": article.source,
        "source_url": article.source_url,
        "version": str(article.version),
        "cover_media_id": str(article.cover_media_id or ""),
    }


class EditPostForm(PostForm):
    """The editor of an existing article: the version is required."""

    version = HiddenField(
        validators=[DataRequired("表单缺少版本号，请刷新编辑页后再保存"), _whole_number]
    )


class SendBackForm(BaseForm):
    """Why an editor returns a submitted article (its writer reads this)."""

    reason = TextAreaField(
        "退回原因",
        filters=[_strip],
        validators=[
            DataRequired("请填写退回原因，投稿者会看到它"),
            Length(
                max=MAX_REASON_LENGTH,
                message=f"退回原因最多 {MAX_REASON_LENGTH} 个字符",
            ),
        ],
    )
