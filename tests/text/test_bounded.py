"""cms.text.bounded: what counts as a number, a date and clean text."""

from datetime import date

import pytest

from cms.text.bounded import MAX_INT, has_control_characters, parse_date, parse_int


@pytest.mark.parametrize("raw,value", [("0", 0), ("42", 42), (str(MAX_INT), MAX_INT)])
def test_ascii_digits_in_range_are_numbers(raw, value):
    assert parse_int(raw) == value


@pytest.mark.parametrize("raw", [
    "", " 1", "1 ", "1_000", "１２", "+1", "-1", "0x10", "1e3", "1.0",
    str(MAX_INT + 1), "99999999999999999999", "9223372036854775808", "٣",
])  # fmt: skip
def test_anything_else_is_refused(raw):
    with pytest.raises(ValueError):
        parse_int(raw)


def test_bounds_are_inclusive_and_negative_only_when_allowed():
    assert parse_int("-5", minimum=-10) == -5
    assert parse_int("10", maximum=10) == 10
    with pytest.raises(ValueError):
        parse_int("11", maximum=10)
    with pytest.raises(ValueError):
        parse_int("-11", minimum=-10)


def test_dates_are_iso_and_within_sane_years():
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    for raw in ["9999-12-31", "0001-01-01", "2024-13-01", "2024-1-1", "20240101",
                "2024-02-30", "２０２４-01-01", ""]:  # fmt: skip
        with pytest.raises(ValueError):
            parse_date(raw)


def test_control_characters_but_tab_and_line_breaks():
    assert has_control_characters("a\x00b")
    assert has_control_characters("\x1b[31m")
    assert has_control_characters("\x7f")
    assert not has_control_characters("一行\n二行\r\n\t缩进")
