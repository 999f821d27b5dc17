"""cms.text.normalize: what spam rules compare, and how a match maps back to
the reader's original text."""

from __future__ import annotations

import pytest

from cms.text.normalize import normalize, normalize_text
from cms.text.rules import RuleList, RuleMatch


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("加 微 信", "加微信"),
        ("加\u200b微信", "加微信"),
        ("加\u200c\u200d\u2060\ufeff微\u00ad信", "加微信"),
        ("加\u3000微\u3000信", "加微信"),  # ideographic spaces
        ("ＷＥＣＨＡＴ", "wechat"),
        ("WeChat", "wechat"),
        ("ｗｅ\u200bｃｈａｔ", "wechat"),
        ("ＱＱ：１２３４５", "qq:12345"),
        ("hello   world", "hello world"),  # spaces between Latin words stay (one)
        ("加 wechat 好友", "加wechat好友"),
    ],
)
def test_normalized_text(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("加微信", "有需要的加 微 信联系我"),
        ("加微信", "加\u200b微信：abc123"),
        ("加微信", "加\ufeff微\u200d信"),
        ("wechat", "add my ＷＥＣＨＡＴ now"),
        ("wechat", "add my WeChat now"),
        ("ＷＥＣＨＡＴ", "add my wechat now"),  # rules are normalised too
        ("代开发票", "代 开 发 票，量大从优"),
    ],
)
def test_obfuscated_words_match_their_rule(rule, text):
    rules = RuleList.parse(rule)

    assert rules.match(normalize_text(text)) == RuleMatch("word", normalize_text(rule))


def test_plain_text_does_not_match():
    rules = RuleList.parse("加微信\nwechat")

    assert rules.match(normalize_text("微信公众号的文章写得不错")) is None
    assert rules.match(normalize_text("we chat about it")) is None


@pytest.mark.parametrize(
    ("text", "word", "original"),
    [
        ("请加 微 信：abc", "加微信", "加 微 信"),
        ("请加\u200b微信！", "加微信", "加\u200b微信"),
        ("add ＷＥＣＨＡＴ now", "wechat", "ＷＥＣＨＡＴ"),
        ("前缀 ｗｅ\u200bｃｈａｔ 后缀", "wechat", "ｗｅ\u200bｃｈａｔ"),
    ],
)
def test_spans_map_back_to_the_original_text(text, word, original):
    normalized = normalize(text)
    start = normalized.text.index(word)

    begin, end = normalized.span(start, start + len(word))

    assert text[begin:end] == original


def test_origin_has_one_index_per_normalized_character():
    text = "Ａ\u200b加 微 信 x　y"
    normalized = normalize(text)

    assert len(normalized.origin) == len(normalized.text)
    assert list(normalized.origin) == sorted(normalized.origin)
    assert all(0 <= i < len(text) for i in normalized.origin)


def test_empty_span_is_refused():
    with pytest.raises(ValueError):
        normalize("abc").span(1, 1)
