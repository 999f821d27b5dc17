"""How the moderation area words waiting times (actions are worded by
cms.services.audit_actions, reasons by cms.services.reasons)."""

from __future__ import annotations

from datetime import timedelta


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
