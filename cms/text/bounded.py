"""Bounded parsing of numbers, dates and text typed by strangers.

Python's own `int()` accepts far more than a request should carry: `1_000`,
full-width digits (`１２`), surrounding spaces, and numbers of any size, which
the databases then refuse with an error (SQLite above 2**63, PostgreSQL's
`integer` above 2**31-1). `parse_int` accepts ASCII digits only, within
bounds that every id and page number of the site fits; `parse_date` accepts
ISO dates between years that date arithmetic and both databases handle.
"""

from __future__ import annotations

import re
from datetime import date

MAX_INT = 2**31 - 1  # PostgreSQL `integer`: every id column of the site
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)
_DIGITS = re.compile(r"-?[0-9]{1,19}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_int(raw: str, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """The integer `raw` spells in ASCII digits (a leading `-` only when
    `minimum` is negative), between `minimum` and `maximum` inclusive;
    ValueError for anything else (underscores, spaces, signs, other scripts'
    digits, out of range)."""
    text = raw if isinstance(raw, str) else str(raw)
    if not _DIGITS.fullmatch(text) or (text.startswith("-") and minimum >= 0):
        raise ValueError(f"not a whole number in [{minimum}, {maximum}]")
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValueError(f"not a whole number in [{minimum}, {maximum}]")
    return value


def parse_date(raw: str, earliest: date = MIN_DATE, latest: date = MAX_DATE) -> date:
    """The calendar date `raw` spells as YYYY-MM-DD, between `earliest` and
    `latest` (so that a day more or less is still a date); ValueError else."""
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw):
        raise ValueError("not a date YYYY-MM-DD")
    value = date.fromisoformat(raw)
    if not earliest <= value <= latest:
        raise ValueError(f"not a date between {earliest} and {latest}")
    return value


def has_control_characters(text: str) -> bool:
    """True when `text` holds NUL or another control character other than
    tab, line feed and carriage return (PostgreSQL refuses NUL in text)."""
    return bool(_CONTROL.search(text))
