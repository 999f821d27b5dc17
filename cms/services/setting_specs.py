"""What the site's settings are: each key's default, label, help text, how
typed text is checked and stored, and which page group and widget shows it.
Reading and changing the values is cms.services.settings."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from cms.services.analytics import VENDORS, check_analytics_host, check_analytics_text
from cms.services.errors import InvalidInput
from cms.services.webhooks import FORMATS, parse_webhook_format, parse_webhook_url
from cms.text.paylinks import check_pay_link

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
NOTICE_FIELDS = {"contributor", "site_name", "canonical_url", "title"}
LOGO_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
FAVICON_FORMATS = (*LOGO_FORMATS, "ICO")
# The settings page's sections, in order: group name -> heading.
GROUPS = {
    "site": "站点",
    "comments": "评论",
    "notify": "通知",
    "tipping": "打赏",
    "analytics": "统计代码",
    "media": "图片上传",
    "backup": "备份",
    "auth": "登录安全",
}


def _parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidInput(f"“{raw}”不是是/否值（请用 true 或 false）")


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _parse_timezone(raw: str) -> str:
    """An IANA zone name the system knows (checked against the list, so that
    no text ever reaches the zone files' paths)."""
    name = raw.strip()
    if name not in _zone_names():
        shown = raw if len(raw) <= 64 else raw[:64] + "…"
        raise InvalidInput(f"“{shown}”不是已知的时区（例如 Asia/Shanghai）")
    return name


def _parse_notice(raw: str) -> str:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(raw) if name}
    except ValueError:
        raise InvalidInput(
            "模板格式有误：花括号不成对（要显示花括号本身，请写 {{ 或 }}）"
        ) from None
    unknown = names - NOTICE_FIELDS
    if unknown:
        raise InvalidInput(
            f"未知的占位符 {{{sorted(unknown)[0]}}}；可用的有 "
            f"{'、'.join('{' + n + '}' for n in sorted(NOTICE_FIELDS))}"
        )
    return raw


def _parse_rules(raw: str) -> str:
    """One rule a line; surrounding spaces and blank lines are dropped."""
    lines = (line.strip() for line in raw.replace("\r\n", "\n").split("\n"))
    rules = "\n".join(line for line in lines if line)
    if len(rules) > 100_000:
        raise InvalidInput("规则最多 100,000 个字符")
    return rules


def _parse_pay_link(raw: str) -> str:
    try:
        return check_pay_link(raw)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _parse_line(raw: str) -> str:
    if "\n" in raw.strip():
        raise InvalidInput("只能填写一行")
    return raw.strip()


def _parse_email(raw: str) -> str:
    value = raw.strip()
    if value and (
        "@" not in value or len(value) > 254 or any(c.isspace() for c in value)
    ):
        raise InvalidInput("邮箱格式不正确")
    return value


def _parse_text(raw: str) -> str:
    return raw.replace("\r\n", "\n")


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its default, how text becomes its value, and how the
    settings page shows it (`label`, `help`, `group`; `widget` is "" for a
    line, yes/no or number as the default's type says, else "textarea",
    "timezone", "media" (an uploaded picture's key, of `formats`) or
    "paylink" (a payment link, typed or read from a QR picture)).
    `admin_only`: only an admin may change it (the analytics code runs in
    readers' browsers; an editor must not be able to become an admin)."""

    key: str
    default: Any
    help: str
    parse: Callable[[str], Any] = field(default=str)
    minimum: int | None = None
    maximum: int | None = None
    label: str = ""
    group: str = ""
    widget: str = ""
    formats: tuple[str, ...] = ()
    admin_only: bool = False

    def coerce(self, raw: str) -> Any:
        """The typed value for `raw`, or InvalidInput saying what is wrong."""
        if isinstance(self.default, bool):
            return _parse_bool(raw)
        if isinstance(self.default, int):
            try:
                value = int(raw.strip())
            except ValueError:
                raise InvalidInput(f"“{raw}”不是整数") from None
            if self.minimum is not None and value < self.minimum:
                raise InvalidInput(f"至少为 {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise InvalidInput(f"至多为 {self.maximum}")
            return value
        return self.parse(raw)

    def dump(self, value: Any) -> str:
        """The stored text form of a value."""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


def _spec(
    key: str,
    default: Any,
    label: str,
    help: str = "",
    parse=_parse_line,
    **options: Any,
) -> SettingSpec:
    options.setdefault("group", key.split(".", 1)[0])
    return SettingSpec(key, default, help, parse, label=label, **options)


_NOTICE_HELP = (
    "每篇文章下方的署名与转载声明。可用占位符：{contributor} 投稿者、"
    "{site_name} 网站名称、{canonical_url} 文章网址、{title} 文章标题"
)
_ANALYTICS_HELP = (
    '只有管理员可以修改。只接受来自以下统计服务的外部脚本 <script src="https://…">：'
    + "、".join(vendor.name for vendor in VENDORS)
    + "，以及下一项填写的自建 Umami / Plausible 域名；不执行任何内联 JavaScript"
    "（百度统计、Google Analytics、51.la 的标准代码会被识别，只取其中的站点 ID）。"
    "已登录的用户看到的页面不加载统计代码。"
)
_ANALYTICS_HOST_HELP = (
    "只有管理员可以修改。自建 Umami 或 Plausible 的域名（例如 stats.example.cn），"
    "统计代码可以加载这个域名上的 https:// 脚本；不用请留空"
)

SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in [
        _spec("site.name", "我的网站", "网站名称", "显示在页头和转载声明中"),
        _spec("site.description", "", "网站简介",
              "页头网站名旁的一句话，也是首页的描述"),
        _spec("site.timezone", "Asia/Shanghai", "时区",
              "时间以 UTC 保存，按这个时区显示", _parse_timezone, widget="timezone"),
        _spec("site.logo", "", "网站标志",
              "PNG、JPEG、GIF 或 WEBP，不超过 2 MB；显示在页头网站名前",
              widget="media", formats=LOGO_FORMATS),
        _spec("site.favicon", "", "网站图标（favicon）",
              "PNG、JPEG、GIF、WEBP 或 ICO，不超过 2 MB；显示在浏览器标签上",
              widget="media", formats=FAVICON_FORMATS),
        _spec("media.max_mb", 10, "文章图片大小上限（MB）",
              "编辑器上传的每张图片不超过这么大（一次请求最多 16 MB）",
              minimum=1, maximum=15),
        _spec("media.max_megapixels", 40, "文章图片像素上限（百万像素）",
              "宽 × 高不超过这么多百万像素；更大的图片（包括解压炸弹）被拒绝",
              minimum=1, maximum=100),
        _spec("site.footer", "", "页脚文字", "显示在每页底部", _parse_text,
              widget="textarea"),
        _spec("site.icp_number", "", "ICP 备案号",
              "例如 京ICP备12345678号-1，链接到工信部备案系统"),
        _spec("site.police_number", "", "公安备案号",
              "例如 京公网安备11010502030143号，链接到公安备案系统"),
        _spec("site.reprint_notice",
              "本文来自{contributor}投稿，不代表{site_name}立场，如若转载，请注明出处：{canonical_url}",
              "转载声明", _NOTICE_HELP, _parse_notice, widget="textarea"),
        _spec("comments.require_approval", False, "所有评论先审后发",
              "打开后，每条评论都要编辑批准才显示"),
        _spec("comments.hold_first", True, "同一邮箱的第一条评论先审",
              "之后同一邮箱的评论直接显示"),
        _spec("comments.flood_seconds", 15, "两次评论的最短间隔（秒）",
              "同一 IP 两次评论至少相隔这么久；0 表示不限制",
              minimum=0, maximum=3600),
        _spec("comments.min_submit_seconds", 3, "最短填写时间（秒）",
              "打开文章后比这更快提交的评论视为机器人；0 表示不检查",
              minimum=0, maximum=600),
        _spec("comments.max_links", 2, "链接数上限",
              "含这么多链接或更多的评论先审；0 表示不检查", minimum=0, maximum=100),
        _spec("comments.spam_score_hold", 80, "垃圾评分：先审线",
              "会学习的垃圾评分（0-100，按编辑的批准和标为垃圾不断学习）达到这个值的"
              "评论先审；0 表示不用", minimum=0, maximum=100),
        _spec("comments.spam_score_spam", 90, "垃圾评分：垃圾线",
              "垃圾评分达到这个值的评论直接进入垃圾评论；0 表示不用",
              minimum=0, maximum=100),
        _spec("comments.moderation_words", "", "审核规则",
              "每行一条规则（邮箱、IP 或 IP 段，# 开头的行是注释），"
              "命中的评论先审；词语请在“词语规则”页添加（这里写的词语仍然有效）",
              _parse_rules, widget="textarea"),
        _spec("comments.disallowed", "", "禁止规则",
              "每行一条规则（同上），命中的评论直接进入垃圾评论",
              _parse_rules, widget="textarea"),
        _spec("comments.close_after_days", 0, "自动关闭评论（天）",
              "发表超过这么多天的文章不再接受评论；0 表示从不关闭",
              minimum=0, maximum=36500),
        _spec("comments.max_depth", 5, "回复显示层数", "嵌套回复最多显示几层",
              minimum=1, maximum=10),
        _spec("moderation.email_digest_minutes", 0, "待审提醒邮件间隔（分钟）",
              "每隔这么多分钟给编辑发一封汇总邮件；0 表示每条待审评论发一封",
              minimum=0, maximum=1440, group="comments"),
        _spec("comments.purge_personal_days", 90, "评论者 IP 与浏览器信息保留天数",
              "过期后自动删除", minimum=1, maximum=3650),
        _spec("notify.reply_mail", True, "允许评论者订阅回复提醒",
              "评论表单上显示“有人回复时用邮件通知我”（默认不勾选）；"
              "需要设置 MAIL_URL"),
        _spec("notify.reply_per_hour", 5, "每个邮箱每小时最多收到的回复提醒",
              "超出的回复不再发提醒", minimum=1, maximum=100),
        _spec("notify.owner_email", "", "新评论通知邮箱",
              "每条新评论（垃圾评论除外）发一封邮件到这个地址；不用请留空",
              _parse_email),
        _spec("notify.webhook_url", "", "新评论 Webhook 网址",
              "只有管理员可以修改。每条新评论向这个网址 POST 一次："
              "企业微信或钉钉群机器人的网址、"
              "Server酱的 https://sctapi.ftqq.com/SENDKEY.send，"
              "或接收通用 JSON 的任意网址；不用请留空",
              parse_webhook_url, admin_only=True),
        _spec("notify.webhook_format", "auto", "Webhook 格式",
              "可选：" + "、".join(f"{k}（{v}）" for k, v in FORMATS.items()),
              parse_webhook_format, admin_only=True),
        _spec("tipping.wechat", "", "微信收款链接",
              "wxp:// 或 https:// 开头；也可以上传收款二维码图片，由系统读出链接",
              _parse_pay_link, widget="paylink"),
        _spec("tipping.alipay", "", "支付宝收款链接",
              "https:// 或 alipays:// 开头；也可以上传收款二维码图片，由系统读出链接",
              _parse_pay_link, widget="paylink"),
        _spec("site.analytics", "", "统计代码", _ANALYTICS_HELP,
              check_analytics_text, widget="textarea", group="analytics",
              admin_only=True),
        _spec("site.analytics_host", "", "自建统计的域名", _ANALYTICS_HOST_HELP,
              check_analytics_host, group="analytics", admin_only=True),
        _spec("auth.admin_two_factor", False, "管理员必须使用两步验证",
              "只有管理员可以修改。打开后，没有开启两步验证的管理员输入密码后"
              "须先设置两步验证才能进入后台，且不能关闭两步验证",
              admin_only=True),
        _spec("backup.dir", "", "定时备份的目录",
              "只有管理员可以修改。服务器上的目录（例如 /var/backups/cms）；"
              "留空表示不做定时备份", admin_only=True),
        _spec("backup.every_hours", 0, "定时备份间隔（小时）",
              "每隔这么多小时备份一次（由定时任务 flask cms tick 执行）；0 表示不备份",
              minimum=0, maximum=24 * 365, admin_only=True),
        _spec("backup.keep", 7, "保留的备份份数",
              "只保留最新的这么多份，更早的自动删除",
              minimum=1, maximum=1000, admin_only=True),
    ]
}  # fmt: skip


def spec_for(key: str) -> SettingSpec:
    """The spec of `key`, or InvalidInput naming the unknown key."""
    try:
        return SPECS[key]
    except KeyError:
        raise InvalidInput(f"unknown setting {key!r}") from None
