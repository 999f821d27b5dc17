"""The settings page's form, generated from the settings registry (SPECS).

Fields are named by their setting's key (`site.name`); a picture setting
(logo, favicon) has `<key>.upload` and `<key>.reset` instead of a text field,
and a payment link has `<key>.upload` (a QR picture) beside its text field.
The form checks shape only; the settings service judges every value.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from flask_wtf.file import FileField
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from cms.forms import BaseForm, select_choices
from cms.services.setting_specs import GROUPS, SPECS, SettingSpec
from cms.services.settings import current_settings

UPLOAD, RESET = ".upload", ".reset"
FIRST_ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "UTC")
MIME_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
              "WEBP": "image/webp", "ICO": "image/x-icon,.ico"}  # fmt: skip
TEXTAREA_ROWS = {"site.analytics": 8, "comments.moderation_words": 6,
                 "comments.disallowed": 6}  # fmt: skip


def field_id(name: str) -> str:
    """The HTML id of a field: its name with dots and underscores as hyphens."""
    return name.replace(".", "-").replace("_", "-")


@lru_cache(maxsize=1)
def timezone_choices() -> list[SelectChoice]:
    """Every IANA zone, the ones Chinese sites use first."""
    rest = sorted(available_timezones() - set(FIRST_ZONES))
    return select_choices((zone, zone) for zone in (*FIRST_ZONES, *rest))


class SettingsFormBase(BaseForm):
    """What the view asks of the generated form."""

    specs: list[SettingSpec] = []  # the settings on this form, in page order

    def values(self) -> dict[str, str]:
        """The typed text of every setting the POST carries: an unchecked box
        is "false"; a text field absent from the POST is left out (unchanged);
        a picture's "恢复默认" box gives "" (the default picture)."""
        out: dict[str, str] = {}
        for key, spec in SPECS.items():
            if key not in self and key + RESET not in self:
                continue  # not on this user's page (admin-only)
            if spec.widget == "media":
                if self[key + RESET].data:
                    out[key] = ""
            elif isinstance(self[key], BooleanField):
                out[key] = "true" if self[key].data else "false"
            elif self[key].raw_data:
                out[key] = self[key].raw_data[0].replace("\r\n", "\n")
        return out

    def uploads(self) -> dict[str, bytes]:
        """Uploaded pictures by setting key (file inputs left empty omitted)."""
        out = {}
        for key in SPECS:
            upload = self._fields.get(key + UPLOAD)
            if upload is not None and upload.data and upload.data.filename:
                out[key] = upload.data.read()
        return out

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put the service's messages beside their fields."""
        for key, message in errors.items():
            media = key in SPECS and SPECS[key].widget == "media"
            name = key + UPLOAD if media else key
            field = self._fields.get(name)
            if field is None:
                continue
            field.errors = [*field.errors, message]
            if isinstance(field, SelectField) and field.data:
                # (The time zone.) The refused value stays visible as sent.
                sent = select_choices([(field.data, field.data)])
                field.choices = sent + timezone_choices()

    def groups(self) -> list[tuple[str, str, list[SettingSpec]]]:
        """(group, heading, specs) for each section of the page, in order;
        only the settings on this form (an editor's lacks the admin-only)."""
        return [
            (group, heading, [s for s in self.specs if s.group == group])
            for group, heading in GROUPS.items()
        ]

    def show_stored_problems(self, problems: dict[str, tuple[str, str]]) -> None:
        """Stored values that no longer pass: shown as stored, with why they
        are not used."""
        for key, (text, message) in problems.items():
            field = self._fields.get(key)
            if field is None or isinstance(field, BooleanField):
                continue
            field.data = text
            field.errors = [*field.errors, f"已保存的值不再有效，目前未使用：{message}"]

    def refused(self) -> list[Field]:
        """The fields with an error, in page order (for the summary)."""
        return [field for field in self if field.errors]


def _value_field(spec: SettingSpec) -> Field:
    options: dict[str, Any] = {
        "label": spec.label, "description": spec.help, "id": field_id(spec.key)
    }  # fmt: skip
    if isinstance(spec.default, bool):
        return BooleanField(**options, render_kw={"value": "true"})
    if isinstance(spec.default, int):
        bounds = {"min": spec.minimum, "max": spec.maximum}
        render = {"type": "number", "step": 1, "inputmode": "numeric"}
        render |= {k: v for k, v in bounds.items() if v is not None}
        # A StringField, so "abc" reaches the service (and comes back as typed).
        return StringField(**options, render_kw=render)
    if spec.widget == "timezone":
        return SelectField(**options, choices=timezone_choices, validate_choice=False)
    if spec.widget == "textarea":
        rows = TEXTAREA_ROWS.get(spec.key, 3)
        return TextAreaField(**options, render_kw={"rows": rows, "spellcheck": "false"})
    return StringField(**options)


def _upload_field(spec: SettingSpec) -> FileField:
    formats = spec.formats or ("PNG", "JPEG")
    label = spec.label if spec.widget == "media" else "或上传收款二维码图片"
    accept = ",".join(MIME_TYPES[f] for f in formats)
    return FileField(
        label, id=field_id(spec.key + UPLOAD), render_kw={"accept": accept}
    )


@lru_cache(maxsize=2)
def _form_class(keys: tuple[str, ...]) -> type[SettingsFormBase]:
    fields: dict[str, Any] = {"specs": [SPECS[key] for key in keys]}
    for key in keys:
        spec = SPECS[key]
        if spec.widget != "media":
            fields[key] = _value_field(spec)
        if spec.widget in ("media", "paylink"):
            fields[key + UPLOAD] = _upload_field(spec)
        if spec.widget == "media":
            fields[key + RESET] = BooleanField(
                "恢复默认", id=field_id(key + RESET), render_kw={"value": "true"}
            )
    return type("SettingsForm", (SettingsFormBase,), fields)


def settings_form(specs: list[SettingSpec]) -> SettingsFormBase:
    """The form of `specs` (the settings the user may change), filled from
    the POST when there is one, else from the current settings (fields a
    POST lacks show the current value)."""
    current = current_settings()
    data = {key: SPECS[key].dump(value) for key, value in current.items()}
    data |= {k: v for k, v in current.items() if isinstance(v, bool)}
    return _form_class(tuple(spec.key for spec in specs))(data=data)
