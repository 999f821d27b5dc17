"""Typed site settings: the one place that reads, validates and changes them
(what each setting is: cms.services.setting_specs)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from flask import g
from sqlalchemy import Select, select

from cms.database import read_rows, write_transaction
from cms.events import SettingsChanged, emit
from cms.extensions import db
from cms.models import Role, Setting, User
from cms.services.analytics import check_analytics
from cms.services.audit import record
from cms.services.errors import FieldError, InvalidInput, NotAllowed
from cms.services.media import load_image, store_image
from cms.services.pay_qr import link_from_image
from cms.services.setting_specs import SPECS, SettingSpec, spec_for
from cms.text.bounded import has_control_characters


@lru_cache(maxsize=1)
def _all_settings() -> Select:
    # Built once: every request that shows a page reads the settings.
    return select(Setting.key, Setting.value)


def _load() -> dict[str, Any]:
    values = {key: spec.default for key, spec in SPECS.items()}
    for key, text in read_rows(_all_settings()):
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
    settings = g.get("cms_settings")  # one lookup: pages ask ~100 times
    if settings is None:
        settings = g.cms_settings = _load()
    return settings


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
    """Validate every value first, then store them all in one transaction
    (FieldError, naming every refused key, changes nothing)."""
    typed = _validated(values, {})
    with write_transaction():
        for key, value in typed.items():
            _store(key, SPECS[key].dump(value))
        emit(SettingsChanged(frozenset(typed)))
    g.pop("cms_settings", None)


def update_settings(
    values: Mapping[str, str],
    actor: User | None,
    images: Mapping[str, bytes] | None = None,
) -> dict[str, dict[str, str]]:
    """Change several settings at once, as the settings page does, audited.

    `values` maps keys to text as typed. `images` maps keys to uploaded files:
    for a "media" setting (site.logo, site.favicon) the picture is stored and
    its key becomes the value; for a "paylink" one (tipping.*) the link read
    from the QR picture replaces the typed one. Everything is checked before
    anything is stored: a bad value or file raises FieldError (every
    error, by key) and changes nothing. Only values that differ from the
    current ones are written, with one audit entry ("settings", "setting",
    changes {key: {"from": old text, "to": new text}}) in the same
    transaction. Returns those changes: empty means nothing written, no entry.
    NotAllowed, before anything else, when `actor` is not an admin and
    `values` or `images` name an admin-only setting (`actor` None: the
    system, e.g. the command line, may change every setting).
    """
    check_allowed([*values, *(images or {})], actor)
    values, errors, pictures = dict(values), {}, {}
    for key, data in (images or {}).items():
        try:
            spec = spec_for(key)
            if spec.widget == "paylink":
                values[key] = link_from_image(data)
            elif spec.widget == "media":
                pictures[key] = (data, load_image(data, formats=spec.formats))
            else:
                raise InvalidInput("这一项不能上传文件")
        except InvalidInput as error:
            errors[key] = str(error)
    typed = _validated(values, errors)
    typed |= {
        key: store_image(data, checked=image) for key, (data, image) in pictures.items()
    }
    with write_transaction():
        query = select(Setting.key, Setting.value).where(Setting.key.in_(typed))
        stored = {key: text for key, text in db.session.execute(query)}
        changes = {}
        for key, value in typed.items():
            spec = SPECS[key]
            old, new = stored.get(key, spec.dump(spec.default)), spec.dump(value)
            if old != new:
                changes[key] = {"from": old, "to": new}
                _store(key, new)
        if changes:
            record(actor, "settings", "setting", [], changes)
            emit(SettingsChanged(frozenset(changes)))
    g.pop("cms_settings", None)
    return changes


def check_allowed(keys: Iterable[str], actor: User | None) -> None:
    """NotAllowed when `actor` (None: the system) may not change one of
    `keys`: the admin-only settings are for admins."""
    if actor is None or actor.role == Role.ADMIN:
        return
    refused = [k for k in keys if k in SPECS and SPECS[k].admin_only]
    if refused:
        labels = "、".join(SPECS[k].label for k in refused)
        raise NotAllowed(f"只有管理员可以修改：{labels}")


def editable_specs(actor: User) -> list[SettingSpec]:
    """The settings `actor` may change (the settings page shows these)."""
    admin = actor.role == Role.ADMIN
    return [spec for spec in SPECS.values() if admin or not spec.admin_only]


def _validated(values: Mapping[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """Every value typed; FieldError with `errors` and each refused value.
    The analytics code is judged with the self-hosted host it will run with
    (the one in `values`, else the stored one)."""
    typed = {}
    for key, raw in values.items():
        try:
            if has_control_characters(raw):  # the CLI too, not only the page
                raise InvalidInput("不能包含控制字符（如空字符）")
            typed[key] = spec_for(key).coerce(raw)
        except InvalidInput as error:
            errors.setdefault(key, str(error))
    if {"site.analytics", "site.analytics_host"} & typed.keys():
        _check_analytics_pair(typed, errors)
    if errors:
        raise FieldError(errors)
    return typed


def _check_analytics_pair(typed: dict[str, Any], errors: dict[str, str]) -> None:
    current = current_settings()
    code = typed.get("site.analytics", current["site.analytics"])
    host = typed.get("site.analytics_host", current["site.analytics_host"])
    try:
        check_analytics(code, host)
    except InvalidInput as error:
        errors.setdefault("site.analytics", str(error))


def stored_problems() -> dict[str, tuple[str, str]]:
    """Stored values that no longer pass their checks (a newer version's
    stricter rules): key -> (the stored text, why it is refused). Such a
    value is not used: the default (or, for the analytics code, nothing)
    takes its place."""
    problems = {}
    stored = dict(db.session.execute(select(Setting.key, Setting.value)).all())
    for key, text in stored.items():
        if key not in SPECS:
            continue
        try:
            _coerce_stored(key, text)
        except InvalidInput as error:
            problems[key] = (text, str(error))
    if "site.analytics" not in problems:
        values = current_settings()
        try:
            check_analytics(values["site.analytics"], values["site.analytics_host"])
        except InvalidInput as error:
            problems["site.analytics"] = (stored.get("site.analytics", ""), str(error))
    return problems


def _store(key: str, text: str) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=text))
    else:
        row.value = text


def listed_settings() -> list[tuple[str, str]]:
    """(key, text value) for every setting, sorted by key."""
    values = current_settings()
    return [(key, SPECS[key].dump(values[key])) for key in sorted(SPECS)]
