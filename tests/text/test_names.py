"""Names: invisible characters removed; look-alikes found by UTS #39
skeletons (case, width and spaces ignored), ordinary names left apart."""

from __future__ import annotations

import pytest

from cms.text.names import clean_name, look_alike, skeleton

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


@pytest.mark.parametrize("char", BIDI + ZERO_WIDTH + "\u00ad\u3164\ufe0f\x07")
def test_invisible_characters_are_removed_from_names(char):
    assert clean_name(f"{char}林{char}清{char}") == "林清"


def test_white_space_is_collapsed_and_trimmed():
    assert clean_name("  小 \t 明\u3000同学\n") == "小 明 同学"
    assert clean_name(None) == ""


def test_skeleton_follows_confusables_txt():
    assert skeleton("раураl") == skeleton("paypal") == "paypal"  # Cyrillic р а у
    assert skeleton("m") == "rn"  # a prototype of two characters


@pytest.mark.parametrize(
    "lookalike",
    [
        "аdmin",  # Cyrillic а
        "Аdmіn",  # Cyrillic А and і
        "ａｄｍｉｎ",  # full width
        "ADMIN",
        "ad\u200bmin",
        "ad min",
        "\u202eadmin",
    ],
)
def test_look_alikes_of_a_latin_name(lookalike):
    assert look_alike(lookalike, "admin")


def test_a_capital_i_looks_like_a_small_l():
    assert look_alike("guanIiyuan", "guanliyuan")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("林清", "林青"),
        ("老王说财经", "老王說财经"),
        ("admin", "admln"),
        ("陈小雨", "陈小雪"),
        ("读者1", "读者2"),
    ],
)
def test_different_names_stay_apart(one, other):
    assert not look_alike(one, other)


def test_chinese_names_meet_only_themselves():
    assert look_alike("管 理 员", "管理员")
    assert not look_alike("", "管理员")
