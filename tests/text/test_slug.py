"""slugify (pinyin URL slugs) and heading_slug (ids that keep Chinese)."""

import re

import pytest

from cms.text.slug import heading_slug, slugify

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("支付宝 催收", "zhi-fu-bao-cui-shou"),
        ("支付宝催收", "zhi-fu-bao-cui-shou"),
        ("C++ 入门", "c-ru-men"),
        ("Hello, World!", "hello-world"),
        ("  Python 3.12 新特性  ", "python-3-12-xin-te-xing"),
        ("ＡＢＣ　１２３", "abc-123"),
        ("iPhone 16 评测", "iphone-16-ping-ce"),
    ],
)
def test_slugify_gives_readable_pinyin(text, expected):
    assert slugify(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "😀", "★☆", "!!!", "———", "привет"])
def test_slugify_is_never_empty(text):
    slug = slugify(text)
    assert slug
    assert SLUG.fullmatch(slug), slug


def test_unreadable_names_still_get_distinct_slugs():
    assert slugify("😀") != slugify("😁")
    assert slugify("😀") == "u1f600"


@pytest.mark.parametrize(
    "text",
    ["很长的标题" * 40, "word " * 60, "😀" * 100, "a" * 200, "支付宝-" * 30],
)
@pytest.mark.parametrize("max_length", [80, 20, 5])
def test_slugify_respects_max_length_and_ends_cleanly(text, max_length):
    slug = slugify(text, max_length=max_length)
    assert 0 < len(slug) <= max_length
    assert SLUG.fullmatch(slug), slug


@pytest.mark.parametrize(
    "text",
    ["中文标题", "Ünïcödé façade", "日本語のテキスト", "한국어", "混合 Mixed 文字 123",
     "tab\there", "new\nline", "zero\u200bwidth", "<script>alert(1)</script>"],
)  # fmt: skip
def test_slugify_output_is_lowercase_ascii_only(text):
    slug = slugify(text)
    assert slug.isascii()
    assert SLUG.fullmatch(slug), slug


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("支付宝催收上门了怎么办", "支付宝催收上门了怎么办"),
        ("一、支付宝 催收", "一-支付宝-催收"),
        ("Hello World", "hello-world"),
        ("  Trim me  ", "trim-me"),
        ("a/b?c#d", "a-b-c-d"),
        ("！！！", "section"),
        ("", "section"),
    ],
)
def test_heading_slug_keeps_chinese_and_drops_punctuation(text, expected):
    assert heading_slug(text) == "h-" + expected


@pytest.mark.parametrize("text", ['x" onmouseover="alert(1)', "<b>x</b>", "a & b"])
def test_heading_slug_has_no_characters_that_need_escaping(text):
    slug = heading_slug(text)
    assert not set(slug) & set("\"'<>& #/?")
