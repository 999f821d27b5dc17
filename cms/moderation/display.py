"""How the moderation area words things: reasons, actions, waiting times."""

from __future__ import annotations

from datetime import timedelta

ACTION_NAMES = {
    "approve": "批准",
    "unapprove": "改回待审",
    "spam": "标为垃圾",
    "trash": "移到回收站",
    "restore": "恢复",
    "delete": "永久删除",
    "undo": "撤销",
    "reply": "回复",
    "edit": "编辑",
    "ban": "封禁",
    "erase-comments": "删除评论者的评论",
    "erase-personal": "删除评论者的个人信息",
}


def action_name(action: str) -> str:
    """An audit entry's action, in Chinese."""
    return ACTION_NAMES.get(action, action)


def waited(age: timedelta | None) -> str:
    """A waiting time in words: 不到 1 分钟, 5 分钟, 3 小时, 2 天."""
    if age is None:
        return ""
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "不到 1 分钟"
    if minutes < 60:
        return f"{minutes} 分钟"
    if minutes < 60 * 48:
        return f"{minutes // 60} 小时"
    return f"{minutes // (60 * 24)} 天"
