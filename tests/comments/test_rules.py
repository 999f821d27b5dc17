"""cms.text.rules: rule lists (words, e-mails, IPs, ranges) and link counting."""

from __future__ import annotations

import pytest

from cms.text.normalize import normalize_text
from cms.text.rules import RuleList, RuleMatch, count_links, is_repetitive


def test_blank_lines_and_comments_match_nothing():
    rules = RuleList.parse("\n\n   \n\t\n\u200b\n\u3000\n# 注释\n\r\n")

    assert rules.words == ()
    assert not rules.emails and not rules.domains and not rules.ips
    assert rules.networks == ()
    assert rules.match(normalize_text("任何文字 anything"), "a@b.cn", "1.2.3.4") is None
    assert rules.match("", "", None) is None


def test_blank_lines_between_rules_are_ignored():
    rules = RuleList.parse("\n发票\n\n\n")

    assert rules.words == ("发票",)
    assert rules.match(normalize_text("普通评论")) is None
    assert rules.match(normalize_text("代开发票")) == RuleMatch("word", "发票")


def test_email_rules_match_whole_addresses_case_insensitively():
    rules = RuleList.parse("Spammer@Example.com")

    assert rules.match("", "spammer@example.com") == RuleMatch(
        "email", "spammer@example.com"
    )
    assert rules.match("", " SPAMMER@example.COM ") == RuleMatch(
        "email", "spammer@example.com"
    )
    assert rules.match("", "notspammer@example.com") is None
    assert rules.match("", "spammer@example.com.cn") is None


def test_domain_rules_match_the_domain():
    rules = RuleList.parse("@spam.example")

    assert rules.match("", "anyone@spam.example") == RuleMatch("email", "@spam.example")
    assert rules.match("", "anyone@notspam.example") is None
    assert rules.match("", "anyone@spam.example.cn") is None


@pytest.mark.parametrize(
    ("rule", "ip", "matched"),
    [
        ("1.2.3.4", "1.2.3.4", RuleMatch("ip", "1.2.3.4")),
        ("1.2.3.4", "11.2.3.45", None),
        ("1.2.3.4", "1.2.3.40", None),
        ("1.2.3.4", "21.2.3.4", None),
        ("10.0.0.0/8", "10.20.30.40", RuleMatch("ip_range", "10.0.0.0/8")),
        ("10.0.0.0/8", "110.0.0.1", None),
        ("10.0.0.0/8", "11.0.0.1", None),
        ("192.168.1.0/24", "192.168.1.255", RuleMatch("ip_range", "192.168.1.0/24")),
        ("192.168.1.0/24", "192.168.10.1", None),
        ("2001:db8::/32", "2001:db8::1", RuleMatch("ip_range", "2001:db8::/32")),
        ("2001:db8::/32", "10.0.0.1", None),
        ("2001:db8::1", "2001:db8:0:0::1", RuleMatch("ip", "2001:db8::1")),
    ],
)
def test_ip_rules_match_exactly_or_by_range_never_by_substring(rule, ip, matched):
    assert RuleList.parse(rule).match("", "", ip) == matched


def test_ip_rules_do_not_match_text():
    rules = RuleList.parse("1.2.3.4\n10.0.0.0/8")

    assert (
        rules.match(normalize_text("我的服务器是 1.2.3.4 和 10.0.0.1"), "", None)
        is None
    )


def test_a_bad_ip_does_not_break_matching():
    rules = RuleList.parse("1.2.3.4\n发票")

    assert rules.match(normalize_text("发票"), "", "not-an-ip") == RuleMatch(
        "word", "发票"
    )
    assert rules.match("", "", "not-an-ip") is None


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("没有链接", 0),
        ("看 http://a.example", 1),
        ("http://a.example https://b.example www.c.example", 3),
        ("ＨＴＴＰ：／／ａ．ｅｘａｍｐｌｅ", 1),  # full-width, after normalising
        ("http:// alone", 0),
    ],
)
def test_count_links(text, links):
    assert count_links(normalize_text(text)) == links


@pytest.mark.parametrize(
    ("text", "repetitive"),
    [
        ("顶顶顶顶顶顶顶顶顶顶", True),
        ("沙发沙发沙发沙发沙发", True),
        ("1111111111111", True),
        ("写得很好，学到了很多东西。", False),
        ("顶", False),
    ],
)
def test_is_repetitive(text, repetitive):
    assert is_repetitive(text) is repetitive
