"""Why a comment got its status, as data, and the one place it becomes words.

A reason is a code and its parameters, stored in `Comment.reasons` as JSON:
`{"code": "links", "params": {"count": 3}}`. The spam pipeline
(cms.services.spam) builds them with `reason()`; pages and mail show them
with `reason_text()` (the Jinja filter `reason_text`); nothing parses words
back into data. A code that `REASON_TEXT` does not know, or a stored value
that is not a reason at all, is shown as a neutral phrase, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Reason = dict[str, Any]

# code -> Chinese template over the reason's params ({name} placeholders).
REASON_TEXT: dict[str, str] = {
    "staff": "工作人员",
    "honeypot": "机器人陷阱",
    "too_fast": "提交太快",
    "repeated_text": "重复内容",
    "approval_required": "全部需审核",
    "known_commenter": "老读者",
    "first_comment": "首次评论",
    "links": "{count} 个链接",
    # the learning spam score (cms.services.spam_model) reached a threshold;
    # `words` is what in the comment speaks most for spam, `score` 0-100
    "spam_score": "像垃圾评论：{words}",
    # comments.moderation_words matched (hold); `rule` is what matched
    "held_word": "关键词：{rule}",
    "held_email": "邮箱：{rule}",
    "held_ip": "IP：{rule}",
    "held_ip_range": "IP 段：{rule}",
    # comments.disallowed matched (spam)
    "disallowed_word": "黑名单：关键词：{rule}",
    "disallowed_email": "黑名单：邮箱：{rule}",
    "disallowed_ip": "黑名单：IP：{rule}",
    "disallowed_ip_range": "黑名单：IP 段：{rule}",
    # word rules (cms.services.comment_words): `rule` is the rule's words
    "word_hold": "规则待审：{rule}",
    "word_spam": "规则垃圾：{rule}",
    "word_reject": "规则拒绝：{rule}",
    "word_flag": "标记词：{rule}",
    "word_replace": "已替换：{rule} → {replacement}",
    "word_strip": "已删除：{rule}",
    "contact_hold": "联系方式：{rule}",
    "contact_spam": "联系方式（垃圾）：{rule}",
    "contact_reject": "联系方式（拒绝）：{rule}",
    "contact_flag": "联系方式（标记）：{rule}",
    # a free-text reason from before reasons were data, kept as it was
    "legacy": "{text}",
    # brought in by an import (WordPress, Markdown) with the status it had there
    "imported": "导入",
}
# Codes that speak against a comment (the queue shows them in warning colour).
WARNING_CODES = frozenset(
    {
        "honeypot",
        "too_fast",
        "links",
        "repeated_text",
        "held_word",
        "word_hold",
        "word_spam",
        "word_flag",
        "contact_hold",
        "contact_spam",
        "contact_flag",
        "spam_score",
    }
    | {code for code in REASON_TEXT if code.startswith("disallowed_")}
)
UNKNOWN_TEXT = "其他原因"
MISSING = "？"


def reason(code: str, **params: Any) -> Reason:
    """A reason as it is stored: `reason("links", count=3)`."""
    return {"code": code, "params": params}


def rule_reason(rule_list: str, kind: str, rule: str) -> Reason:
    """The reason for a rule-list match: `rule_list` is "held"
    (comments.moderation_words) or "disallowed" (comments.disallowed),
    `kind` the rule's kind (cms.text.rules.RuleMatch: word, email, ip,
    ip_range)."""
    return reason(f"{rule_list}_{kind}", rule=rule)


def code_of(value: Any) -> str:
    """The reason's code ("" for something that is not a reason)."""
    if isinstance(value, Mapping) and isinstance(value.get("code"), str):
        return value["code"]
    return ""


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return MISSING


def reason_text(value: Any) -> str:
    """A reason in Chinese. Never raises: an unknown code reads 其他原因, a
    missing parameter ？ (the result is plain text; templates escape it)."""
    template = REASON_TEXT.get(code_of(value))
    if template is None:
        return UNKNOWN_TEXT
    params = value.get("params")
    params = _Params(params if isinstance(params, Mapping) else {})
    return template.format_map(params)


def reason_is_warning(value: Any) -> bool:
    """True for reasons that suggest spam rather than explain a hold."""
    return code_of(value) in WARNING_CODES
