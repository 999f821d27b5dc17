"""Forms of the word-rules pages: a rule, an import, the test box."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length

from cms.forms import BaseForm, select_choices
from cms.text.wordfilter import (
    ACTION_LABELS,
    KIND_LABELS,
    SCOPE_LABELS,
    SCOPES,
    Action,
    Kind,
    Rule,
)

ACTION_CHOICES = select_choices((a.value, label) for a, label in ACTION_LABELS.items())
KIND_CHOICES = select_choices((k.value, label) for k, label in KIND_LABELS.items())
SCOPE_CHOICES = select_choices(SCOPE_LABELS.items())
MAX_TEST_LENGTH = 20_000
MAX_IMPORT_LENGTH = 2_000_000


def _strip(value: str | None) -> str:
    return (value or "").strip()


class WordRuleForm(BaseForm):
    """One rule: the words, what they are, what happens and where."""

    phrase = StringField(
        "词语",
        filters=[_strip],
        validators=[Length(max=200, message="词语最多 200 个字")],
        description="按字面匹配（不是正则表达式）；忽略全角/半角、大小写、零宽字符，"
        "以及夹在汉字之间的空格和标点",
    )
    kind = SelectField(
        "类型",
        choices=KIND_CHOICES,
        default="word",
        validators=[AnyOf([k.value for k in Kind], "请选择类型")],
        description="联系方式：这个词（含变体写法）后面几个字内跟着账号或号码时才算命中；"
        "例外：保护含有它的词语不被任何规则改动",
    )
    action = SelectField(
        "动作",
        choices=ACTION_CHOICES,
        default="flag",
        validators=[AnyOf([a.value for a in Action], "请选择动作")],
    )
    replacement = StringField(
        "替换为",
        filters=[_strip],
        validators=[Length(max=200, message="替换文字最多 200 个字")],
        description="仅“替换”动作使用",
    )
    scope_articles = BooleanField("文章", default=True)
    scope_comments = BooleanField("评论", default=True)
    scope_names = BooleanField("署名", default=True)
    keep_punct = BooleanField(
        "标点必须一致", description="勾选后，夹在汉字之间的标点不再被忽略（如《书名》）"
    )
    group = StringField(
        "分组",
        filters=[_strip],
        validators=[Length(max=64, message="分组最多 64 个字")],
    )

    def fill(self, rule: Rule) -> None:
        """Show `rule` in the form."""
        self.phrase.data = rule.phrase
        self.kind.data = rule.kind.value
        self.action.data = rule.action.value
        self.replacement.data = rule.replacement
        for scope in SCOPES:
            getattr(self, f"scope_{scope}").data = scope in rule.scopes
        self.keep_punct.data = rule.keep_punct
        self.group.data = rule.group

    def rule(self) -> Rule:
        """The rule typed (not yet checked: the service checks it)."""
        scopes = frozenset(s for s in SCOPES if getattr(self, f"scope_{s}").data)
        return Rule(
            self.phrase.data or "",
            Action(self.action.data),
            self.replacement.data or "",
            scopes,
            Kind(self.kind.data),
            bool(self.keep_punct.data),
            self.group.data or "",
        )


class ImportForm(BaseForm):
    """Rules as TSV, pasted."""

    tsv = TextAreaField(
        "TSV 文本",
        validators=[Length(max=MAX_IMPORT_LENGTH, message="内容太长")],
        description="第一行可写列名：word action replacement scopes kind group；"
        "scopes 用英文逗号分隔（articles,comments,names）",
    )
    group = StringField("分组（没写分组的行用它）", filters=[_strip],
                        validators=[Length(max=64)])  # fmt: skip


class TestForm(BaseForm):
    """The test box: a text and where it would appear."""

    text = TextAreaField(
        "测试文本",
        validators=[
            Length(max=MAX_TEST_LENGTH, message=f"最多 {MAX_TEST_LENGTH} 个字")
        ],
    )
    scope = SelectField("按哪种内容检查", choices=SCOPE_CHOICES,
                        default="comments",
                        validators=[AnyOf(list(SCOPES), "请选择范围")])  # fmt: skip
