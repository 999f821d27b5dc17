"""cms.text.wordfilter: the one word engine (rules, exceptions, one pass,
spans mapped back to the original)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms.text.normalize import normalize_text
from cms.text.wordfilter import (
    Action,
    Exemption,
    Kind,
    Matcher,
    Rule,
    RuleError,
    apply_changes,
    exemption_for,
    parse_tsv,
    to_tsv,
)

REPLACE_MAX = Rule("最大", Action.REPLACE, "更大")
FIRST = Rule("第一", Action.REPLACE, "之一")
EXCEPTIONS = ["第一遍", "第一次", "最大限度", "最近", "最高人民法院"]


def test_seed_sentence_replaces_zui_da():
    result = Matcher.build([REPLACE_MAX], EXCEPTIONS).apply(
        "支付宝作为中国最大的第三方支付平台", "articles"
    )

    assert result.text == "支付宝作为中国更大的第三方支付平台"
    [change] = result.changes
    assert (change.before, change.after, change.rule) == ("最大", "更大", REPLACE_MAX)
    assert (change.start, change.end) == (7, 9)


def test_exception_keeps_di_yi_bian_with_a_di_yi_rule():
    matcher = Matcher.build([REPLACE_MAX, FIRST], EXCEPTIONS)

    result = matcher.apply("由银行内部开始第一遍催收", "articles")

    assert result.text == "由银行内部开始第一遍催收"
    assert result.changes == ()
    assert matcher.apply("排名第一", "articles").text == "排名之一"


def test_longest_match_wins():
    matcher = Matcher.build(
        [Rule("最低", Action.REPLACE, "较低"), Rule("最低价", Action.REPLACE, "优惠价")]
    )

    assert matcher.apply("全场最低价", "articles").text == "全场优惠价"


def test_scopes_limit_where_a_rule_acts():
    rule = Rule("刷单", Action.STRIP, scopes=frozenset({"comments"}))
    matcher = Matcher.build([rule])

    assert matcher.apply("刷单是违法的", "articles").changes == ()
    assert matcher.apply("刷单是违法的", "comments").text == "是违法的"


@pytest.mark.parametrize(
    "text",
    [
        "加 微 信",
        "加.微.信",
        "加-微-信",
        "加·微·信",
        "加_微_信",
        "加\u200b微信",
        "加♥微♥信",
        "加\u3000微\u3000信",
        "加、微、信",
    ],  # fmt: skip
)
def test_evasions_are_caught_and_mapped_to_the_whole_span(text):
    result = Matcher.build([Rule("加微信", Action.HOLD)]).apply(
        f"请{text}好吗", "comments"
    )

    [change] = result.changes
    assert change.before == text
    assert result.text == f"请{text}好吗"  # hold keeps the words


def test_full_width_latin_is_caught():
    result = Matcher.build([Rule("wechat", Action.REJECT)]).apply(
        "add my ＷＥＣＨＡＴ now", "comments"
    )

    assert [c.before for c in result.changes] == ["ＷＥＣＨＡＴ"]


def test_keep_punct_rule_needs_its_punctuation():
    matcher = Matcher.build([Rule("《红楼梦》", Action.FLAG, keep_punct=True)])

    assert [c.before for c in matcher.apply("读《红楼梦》", "articles").changes] == [
        "《红楼梦》"
    ]
    assert matcher.apply("读红楼梦", "articles").changes == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("用户征信不灵", "用户不灵"),
        ("用户 征信 不灵", "用户 不灵"),
        ("buy 征信 now", "buy now"),
        ("征信 开头", "开头"),
        ("用户，征信。", "用户。"),
        ("征信，是问题", "是问题"),
        ("甲，征信，乙", "甲，乙"),
        ("请看（征信）这里", "请看这里"),
        ("结尾 征信", "结尾"),
    ],
)
def test_strip_leaves_no_gap_or_dangling_punctuation(text, expected):
    result = Matcher.build([Rule("征信", Action.STRIP)]).apply(text, "articles")

    assert result.text == expected
    assert "  " not in result.text
    assert apply_changes(text, result.changes) == result.text


def test_empty_and_invalid_rules_are_refused():
    for rule in (
        Rule("", Action.FLAG),
        Rule("  \u200b ", Action.FLAG),
        Rule("最大", Action.REPLACE, ""),
        Rule("最大", Action.FLAG, scopes=frozenset()),
        Rule("微信", Action.STRIP, kind=Kind.CONTACT),
    ):
        with pytest.raises(RuleError):
            Matcher.build([rule])


def test_rule_text_is_literal_not_a_pattern():
    matcher = Matcher.build([Rule("a.*b", Action.FLAG), Rule("(x+)+y", Action.FLAG)])

    assert (
        matcher.apply("aXXb xxxxxxxxxxxxxxxxxxxxxxxxxxxxxz", "articles").changes == ()
    )
    assert [c.before for c in matcher.apply("see a.*b here", "articles").changes] == [
        "a.*b"
    ]


def test_exemption_keeps_one_occurrence_and_survives_edits_elsewhere():
    matcher = Matcher.build([REPLACE_MAX])
    text = "第一段：最大的。第二段：最大的问题。"
    first = matcher.apply(text, "articles")
    second_occurrence = first.changes[1]
    exemption = exemption_for(text, second_occurrence.start, second_occurrence.end)

    edited = "前面加了一句话。" + text.replace("第一段", "开头")
    result = matcher.apply(edited, "articles", [exemption])

    assert result.text == "前面加了一句话。开头：更大的。第二段：最大的问题。"
    assert [c.before for c in result.exempted] == ["最大"]
    # and re-applying the filter to the filtered output keeps it stable
    assert matcher.apply(edited, "articles", [exemption]).text == result.text


def test_exemption_round_trips_as_data():
    exemption = Exemption("最大", "中国", "的第三方")

    assert Exemption.from_dict(exemption.to_dict()) == exemption


CONTACT_WORDS = ["微信", "威信", "薇信", "v信", "加v", "vx", "wx", "扣扣", "企鹅", "qq"]


@pytest.mark.parametrize(
    "text",
    [
        "加我威信abc123",
        "薇信：hello888",
        "V信 ♥ 13812345678",
        "加V: kk12345",
        "ｖｘ：ａｂｃ１２３４",
        "扣 扣 123456789",
        "企鹅号：88886666",
        "微♥信 dd12345",
        "有事联系wx: a_b_c_9",
        "QQ 1234 5678",
    ],  # fmt: skip
)
def test_contact_patterns_are_caught(text):
    matcher = Matcher.build(
        [Rule(w, Action.HOLD, kind=Kind.CONTACT) for w in CONTACT_WORDS]
    )

    [change] = matcher.apply(text, "comments").changes
    assert change.rule.kind == Kind.CONTACT


@pytest.mark.parametrize(
    "text",
    [
        "我在微信上看到2024年的新闻",
        "qq群很多",
        "twx12345",
        "微信公众号的文章写得不错",
        "用微信支付了 30 元",
    ],  # fmt: skip
)
def test_contact_words_without_an_id_pass(text):
    matcher = Matcher.build(
        [Rule(w, Action.HOLD, kind=Kind.CONTACT) for w in CONTACT_WORDS]
    )

    assert matcher.apply(text, "comments").changes == ()


def test_strongest_action_decides():
    matcher = Matcher.build([Rule("最大", Action.FLAG), Rule("刷单", Action.REJECT)])

    result = matcher.apply("最大的刷单平台", "comments")

    assert result.strongest is not None
    assert result.strongest.rule.action == Action.REJECT


def test_tsv_round_trip_and_errors():
    rules = [REPLACE_MAX, Rule("刷单", Action.HOLD, scopes=frozenset({"comments"}))]

    assert parse_tsv(to_tsv(rules)) == rules
    with pytest.raises(RuleError, match="第 2 行"):
        parse_tsv("最大\treplace\t更大\n最好\treplace\t\n")
    with pytest.raises(RuleError, match="第 1 行"):
        parse_tsv("最大\tsmash\n")


def test_ten_thousand_rules_build_and_each_matches():
    # The build time is measured by bench/wordfilter.py (no timed tests here).
    chars = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年"
    n = len(chars)
    phrases = [chars[i % n] + chars[(i // n) % n] + str(i) for i in range(10_000)]
    matcher = Matcher.build([Rule(p, Action.FLAG) for p in phrases], EXCEPTIONS)

    assert len(matcher.rules) == 10_000
    found = matcher.apply(" ".join(phrases[::997]), "articles").changes
    assert [c.before for c in found] == phrases[::997]


# --- properties -----------------------------------------------------------

ALPHABET = "最大第一遍次加微信刷单征信 ，。.-·_\u200b\u3000ＷＥwe好的a（）"
WORDS = ["最大", "第一", "加微信", "刷单", "征信", "we", "好的"]
ACTIONS = [Action.REPLACE, Action.STRIP, Action.FLAG, Action.HOLD]


@st.composite
def rule_sets(draw):
    chosen = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5, unique=True))
    rules = [
        Rule(word, draw(st.sampled_from(ACTIONS)), replacement="替") for word in chosen
    ]
    protected = ["第一遍", "第一次", "最大限度", "好的"]
    exceptions = draw(st.lists(st.sampled_from(protected), max_size=3))
    return rules, exceptions


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60), rule_sets())
def test_changes_applied_to_the_original_give_the_output(text, ruleset):
    rules, exceptions = ruleset
    result = Matcher.build(rules, exceptions).apply(text, "articles")

    assert apply_changes(text, result.changes) == result.text
    for change in result.changes:
        assert text[change.start : change.end] == change.before
        assert normalize_text(change.rule.phrase) in normalize_text(change.before)
    starts = [c.start for c in result.changes]
    assert starts == sorted(starts)
    assert all(
        a.end <= b.start
        for a, b in zip(result.changes, result.changes[1:], strict=False)
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60), rule_sets())
def test_no_change_overlaps_an_exception(text, ruleset):
    rules, exceptions = ruleset
    result = Matcher.build(rules, exceptions).apply(text, "articles")
    protected = Matcher.build([Rule(e, Action.FLAG) for e in exceptions]).apply(
        text, "articles"
    )
    # every occurrence of an exception (found the same way, as rules)
    spans = [(c.start, c.end) for c in protected.changes]
    for exception in exceptions:
        probe = Matcher.build([Rule(exception, Action.FLAG)]).apply(text, "articles")
        spans += [(c.start, c.end) for c in probe.changes]
    for change in result.changes:
        assert not any(s < change.end and change.start < e for s, e in spans)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_strip_never_leaves_double_spaces(text):
    text = " ".join(text.split())  # the input itself has none
    result = Matcher.build([Rule(w, Action.STRIP) for w in WORDS]).apply(
        text, "articles"
    )

    assert "  " not in result.text
