"""Typed site settings: the one place that reads, validates and changes them."""

from __future__ import annotations

import contextlib
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import g
from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Setting
from cms.services.errors import InvalidInput

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
NOTICE_FIELDS = {"contributor", "site_name", "canonical_url", "title"}


def _parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidInput(f"{raw!r} is not a yes/no value (use true or false)")


def _parse_timezone(raw: str) -> str:
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{raw!r} is not a known time zone (e.g. Asia/Shanghai)"
        ) from None
    return name


def _parse_notice(raw: str) -> str:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(raw) if name}
    except ValueError as exc:
        raise InvalidInput(f"the notice template is malformed: {exc}") from None
    unknown = names - NOTICE_FIELDS
    if unknown:
        raise InvalidInput(
            f"unknown placeholder {{{sorted(unknown)[0]}}}; "
            f"use {', '.join('{' + n + '}' for n in sorted(NOTICE_FIELDS))}"
        )
    return raw


def _parse_rules(raw: str) -> str:
    """One rule a line; surrounding spaces and blank lines are dropped."""
    lines = (line.strip() for line in raw.replace("\r\n", "\n").split("\n"))
    rules = "\n".join(line for line in lines if line)
    if len(rules) > 100_000:
        raise InvalidInput("at most 100,000 characters of rules")
    return rules


def _parse_line(raw: str) -> str:
    if "\n" in raw.strip():
        raise InvalidInput("this setting is a single line")
    return raw.strip()


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its default, how text becomes its value, and what it means."""

    key: str
    default: Any
    help: str
    parse: Callable[[str], Any] = field(default=str)
    minimum: int | None = None
    maximum: int | None = None

    def coerce(self, raw: str) -> Any:
        """The typed value for `raw`, or InvalidInput saying what is wrong."""
        if isinstance(self.default, bool):
            return _parse_bool(raw)
        if isinstance(self.default, int):
            try:
                value = int(raw.strip())
            except ValueError:
                raise InvalidInput(f"{raw!r} is not a whole number") from None
            if self.minimum is not None and value < self.minimum:
                raise InvalidInput(f"must be at least {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise InvalidInput(f"must be at most {self.maximum}")
            return value
        return self.parse(raw)

    def dump(self, value: Any) -> str:
        """The stored text form of a value."""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in [
        SettingSpec(
            "site.name",
            "我的网站",
            "shown in the header and the attribution",
            _parse_line,
        ),
        SettingSpec(
            "site.description", "", "the home page's meta description", _parse_line
        ),
        SettingSpec(
            "site.timezone",
            "Asia/Shanghai",
            "times are shown in this zone",
            _parse_timezone,
        ),
        SettingSpec(
            "site.reprint_notice",
            "本文来自{contributor}投稿，不代表{site_name}立场，如若转载，请注明出处：{canonical_url}",
            "the attribution block under each article",
            _parse_notice,
        ),
        SettingSpec("site.footer", "", "footer text: ICP 备案号, 公安备案号, links"),
        SettingSpec("comments.require_approval", False, "hold every comment"),
        SettingSpec("comments.hold_first", True, "hold an address's first comment"),
        SettingSpec(
            "comments.flood_seconds", 15, "minimum gap between comments of one IP",
            minimum=0, maximum=3600,
        ),
        SettingSpec(
            "comments.min_submit_seconds", 3, "a form sent back sooner is a bot",
            minimum=0, maximum=600,
        ),
        SettingSpec(
            "comments.max_links", 2, "hold a comment with this many links (0 = off)",
            minimum=0, maximum=100,
        ),
        SettingSpec(
            "comments.moderation_words", "", "one rule a line: hold", _parse_rules
        ),
        SettingSpec(
            "comments.disallowed", "", "one rule a line: spam", _parse_rules
        ),
        SettingSpec(
            "comments.close_after_days", 0, "close comments on older articles",
            minimum=0, maximum=36500,
        ),
        SettingSpec(
            "comments.max_depth", 5, "reply nesting shown", minimum=1, maximum=10
        ),
        SettingSpec(
            "moderation.email_digest_minutes", 0,
            "e-mail editors a digest every N minutes (0 = one message a comment)",
            minimum=0, maximum=1440,
        ),
        SettingSpec(
            "comments.purge_personal_days", 90, "forget commenters' IP and UA after",
            minimum=1, maximum=3650,
        ),
    ]
}  # fmt: skip


def spec_for(key: str) -> SettingSpec:
    """The spec of `key`, or InvalidInput naming the unknown key."""
    try:
        return SPECS[key]
    except KeyError:
        raise InvalidInput(f"unknown setting {key!r}") from None


def _load() -> dict[str, Any]:
    values = {key: spec.default for key, spec in SPECS.items()}
    for key, text in db.session.execute(select(Setting.key, Setting.value)):
        if key not in SPECS:
            continue  # a key a newer or older version knew; harmless
        # A stored value that no longer validates falls back to the default.
        with contextlib.suppress(InvalidInput):
            values[key] = _coerce_stored(key, text)
    return values


@lru_cache(maxsize=256)
def _coerce_stored(key: str, text: str) -> Any:
    """Stored text to its value; the same text is parsed once per process
    (settings are read on every request, and rarely change)."""
    return SPECS[key].coerce(text)


def current_settings() -> dict[str, Any]:
    """Every setting's typed value; read from the database at most once per
    application context (one request, one CLI command)."""
    if "cms_settings" not in g:
        g.cms_settings = _load()
    return g.cms_settings


def get_setting(key: str) -> Any:
    """The typed value of one setting (InvalidInput for an unknown key)."""
    spec_for(key)
    return current_settings()[key]


def set_setting(key: str, raw: str) -> Any:
    """Validate and store one setting; returns the typed value. A bad key or
    value raises InvalidInput and changes nothing."""
    set_settings({key: raw})
    return current_settings()[key]


def set_settings(values: dict[str, str]) -> None:
    """Validate every value first, then store them all in one transaction."""
    typed = {key: spec_for(key).coerce(raw) for key, raw in values.items()}
    with write_transaction():
        for key, value in typed.items():
            text = SPECS[key].dump(value)
            row = db.session.get(Setting, key)
            if row is None:
                db.session.add(Setting(key=key, value=text))
            else:
                row.value = text
    g.pop("cms_settings", None)


def listed_settings() -> list[tuple[str, str]]:
    """(key, text value) for every setting, sorted by key."""
    values = current_settings()
    return [(key, SPECS[key].dump(values[key])) for key in sorted(SPECS)]
