"""The spam pipeline's reasons (cms.services.spam) in words an editor reads."""

from __future__ import annotations

import re

_REASONS = {
    "staff": "工作人员",
    "honeypot": "机器人陷阱",
    "too fast": "提交太快",
    "repeated text": "重复内容",
    "approval required": "全部需审核",
    "known commenter": "老读者",
    "first comment": "首次评论",
}
_PATTERNS = [
    (re.compile(r"^(\d+) links$"), "{0} 个链接"),
    (re.compile(r"^disallowed (.*)$"), "黑名单：{0}"),
    (re.compile(r"^word: (.*)$"), "关键词：{0}"),
    (re.compile(r"^e-mail: (.*)$"), "邮箱：{0}"),
    (re.compile(r"^IP range: (.*)$"), "IP 段：{0}"),
    (re.compile(r"^IP: (.*)$"), "IP：{0}"),
]
# Reasons that speak against a comment (the queue shows them in warning colour).
_WARNING = ("honeypot", "too fast", "disallowed", "links", "repeated", "word:")


def reason_label(reason: str) -> str:
    """A reason in Chinese; unknown ones as they are."""
    if reason in _REASONS:
        return _REASONS[reason]
    for pattern, template in _PATTERNS:
        match = pattern.match(reason)
        if match:
            inner = match.group(1)
            # "disallowed word: 加微信" reads "黑名单：关键词：加微信".
            nested = reason.startswith("disallowed ")
            return template.format(reason_label(inner) if nested else inner)
    return reason


def reason_is_warning(reason: str) -> bool:
    """True for reasons that suggest spam rather than explain a hold."""
    return any(mark in reason for mark in _WARNING)
