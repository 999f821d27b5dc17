"""Reasons are data (a code and its parameters) worded in one place."""

from __future__ import annotations

import pytest
from flask import render_template_string

from cms.services.reasons import (
    REASON_TEXT,
    reason,
    reason_is_warning,
    reason_text,
    rule_reason,
)

EXPECTED = {
    "staff": (reason("staff"), "工作人员"),
    "honeypot": (reason("honeypot"), "机器人陷阱"),
    "too_fast": (reason("too_fast"), "提交太快"),
    "repeated_text": (reason("repeated_text"), "重复内容"),
    "approval_required": (reason("approval_required"), "全部需审核"),
    "known_commenter": (reason("known_commenter"), "老读者"),
    "first_comment": (reason("first_comment"), "首次评论"),
    "links": (reason("links", count=3), "3 个链接"),
    "spam_score": (
        reason("spam_score", score=97, words="兼职, 日结, 私聊"),
        "像垃圾评论：兼职, 日结, 私聊",
    ),
    "held_word": (rule_reason("held", "word", "加微信"), "关键词：加微信"),
    "held_email": (
        rule_reason("held", "email", "@spam.example"),
        "邮箱：@spam.example",
    ),
    "held_ip": (rule_reason("held", "ip", "198.51.100.7"), "IP：198.51.100.7"),
    "held_ip_range": (
        rule_reason("held", "ip_range", "203.0.113.0/24"),
        "IP 段：203.0.113.0/24",
    ),
    "disallowed_word": (
        rule_reason("disallowed", "word", "代开发票"),
        "黑名单：关键词：代开发票",
    ),
    "disallowed_email": (
        rule_reason("disallowed", "email", "bad@spam.example"),
        "黑名单：邮箱：bad@spam.example",
    ),
    "disallowed_ip": (
        rule_reason("disallowed", "ip", "1.2.3.4"),
        "黑名单：IP：1.2.3.4",
    ),
    "disallowed_ip_range": (
        rule_reason("disallowed", "ip_range", "1.2.3.0/24"),
        "黑名单：IP 段：1.2.3.0/24",
    ),
    "word_hold": (reason("word_hold", rule="私聊", rule_id=3), "规则待审：私聊"),
    "word_spam": (reason("word_spam", rule="网赌"), "规则垃圾：网赌"),
    "word_reject": (reason("word_reject", rule="网赌"), "规则拒绝：网赌"),
    "word_flag": (reason("word_flag", rule="第一"), "标记词：第一"),
    "word_replace": (
        reason("word_replace", rule="最大", replacement="更大"),
        "已替换：最大 → 更大",
    ),
    "word_strip": (reason("word_strip", rule="刷单"), "已删除：刷单"),
    "contact_hold": (reason("contact_hold", rule="薇信"), "联系方式：薇信"),
    "contact_spam": (reason("contact_spam", rule="vx"), "联系方式（垃圾）：vx"),
    "contact_reject": (reason("contact_reject", rule="qq"), "联系方式（拒绝）：qq"),
    "contact_flag": (reason("contact_flag", rule="qq"), "联系方式（标记）：qq"),
    "legacy": (reason("legacy", text="老系统的原因"), "老系统的原因"),
    "imported": (reason("imported"), "导入"),
}


def test_every_code_is_covered_here():
    assert set(EXPECTED) == set(REASON_TEXT)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_code_renders_to_its_chinese_text(code):
    value, text = EXPECTED[code]
    assert value["code"] == code
    assert reason_text(value) == text


@pytest.mark.parametrize(
    "value",
    [
        reason("from_the_future", level=9),
        {"code": 42},
        {"params": {}},
        "2 links",  # an old phrase that was never converted
        None,
        ["links"],
    ],
)
def test_anything_else_renders_safely(value):
    assert reason_text(value) == "其他原因"
    assert reason_is_warning(value) is False


def test_missing_or_odd_parameters_do_not_break_the_text():
    assert reason_text({"code": "links"}) == "？ 个链接"
    assert reason_text({"code": "links", "params": "3"}) == "？ 个链接"
    # a parameter is text, never a template of its own
    assert reason_text(rule_reason("held", "word", "{count}")) == "关键词：{count}"


def test_warnings_are_the_reasons_against_a_comment():
    warning = {c for c, (v, _) in EXPECTED.items() if reason_is_warning(v)}
    assert warning == {
        "honeypot", "too_fast", "links", "repeated_text", "held_word", "spam_score",
        "disallowed_word", "disallowed_email", "disallowed_ip", "disallowed_ip_range",
        "word_hold", "word_spam", "word_flag", "contact_hold", "contact_spam",
        "contact_flag",
    }  # fmt: skip


def test_the_jinja_filter_words_and_escapes(ctx):
    html = render_template_string(
        "{{ r | reason_text }}", r=rule_reason("held", "word", "<b>加微信</b>")
    )
    assert html == "关键词：&lt;b&gt;加微信&lt;/b&gt;"
