"""Chinese segmentation: compound words, the site's own words, English tokens,
stop words, and one load per process."""

from __future__ import annotations

from cms.text import segment


def test_compound_words_are_cut_as_words_not_characters():
    terms = segment.words("欠信用卡30多万无力偿还要判刑会怎样")
    assert "信用卡" in terms
    assert "偿还" in terms
    assert "判刑" in terms
    assert "欠信用卡30多万无力偿还要判刑会怎样" not in terms


def test_stop_words_and_punctuation_are_left_out():
    terms = segment.words("这是一个关于催收的问题，我们应该怎么办？！")
    assert "催收" in terms
    for gone in ("的", "是", "一个", "我们", "，", "？", "！"):
        assert gone not in terms


def test_english_words_and_numbers_stay_whole_and_lower_cased():
    terms = segment.words("iPhone 16 支持 USB-C 和 5G 网络，C++ 与 Python3.12")
    assert {"iphone", "16", "iphone16", "usb-c", "5g", "c++", "python3.12"} <= set(
        terms
    )
    assert "usb" not in terms and "c" not in terms


def test_full_width_text_is_normalised():
    assert segment.words("ＵＳＢ－Ｃ　５Ｇ") == ["usb-c", "5g"]


def test_site_words_added_to_the_dictionary_stay_one_word():
    # A made-up product name no other test adds (the dictionary is per process).
    before = segment.words("星辰速贷逾期了")
    assert "星辰速贷" not in before
    assert segment.add_words(["星辰速贷", "x", "两个 词"]) == 1
    assert segment.add_words(["星辰速贷"]) == 0
    assert "星辰速贷" in segment.words("星辰速贷逾期了")


def test_search_terms_also_give_the_words_inside_long_ones():
    terms = segment.search_terms("中华人民共和国")
    assert {"中华", "人民", "共和国", "中华人民共和国"} <= set(terms)


def test_hostile_text_gives_no_terms_or_plain_ones():
    assert segment.words("") == []
    assert segment.words("😀🎉 \"' * ^ ( ) : - NEAR") == ["near"]
    assert segment.search_terms("催" * 10_000) != []


def test_the_dictionary_is_loaded_once_per_process():
    first = segment.engine()
    seconds = segment.load_seconds()
    assert seconds is not None and seconds < 5
    assert segment.engine() is first
    assert segment.load_seconds() == seconds
