"""Pieces every form of the site shares: a base form that refuses control
characters, whole-number fields and coercions bounded like the database's
ids (cms.text.bounded), and the one-time key of forms that create."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.fields.choices import SelectChoice

from cms.services.submissions import usable_key
from cms.text.bounded import MAX_INT, has_control_characters, parse_int

CONTROL_MESSAGE = "不能包含控制字符（如空字符）"


def _texts(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, list | tuple):
        return [item for item in data if isinstance(item, str)]
    return []


class BaseForm(FlaskForm):
    """A FlaskForm whose text fields refuse NUL and other control characters
    (tab and line breaks allowed) with an error beside the field: PostgreSQL
    cannot store NUL, and no field of the site needs the others. The check is
    on the data after the field's filters, so a field that cleans them out
    (the comment form's names) keeps doing so."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if any(has_control_characters(text) for text in _texts(field.data)):
                if CONTROL_MESSAGE not in field.errors:
                    field.errors = [*field.errors, CONTROL_MESSAGE]
                valid = False
        return valid


def select_choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """A select's or radio group's options from (value, label) pairs, as the
    `SelectChoice` objects WTForms takes (it deprecates plain tuples in 3.3
    and drops them in 3.4). Every form of the site builds its options here."""
    return [SelectChoice(value, label) for value, label in pairs]


def submission_key() -> str | None:
    """The one-time key the posted form carried (the template's
    `submission_field()`; cms.services.submissions), or None."""
    return usable_key(request.form.get("submission"))


def to_id(value) -> int:
    """A posted id (SelectField `coerce`): ASCII digits, 0..MAX_INT; anything
    else raises ValueError, which WTForms reports as an invalid choice."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= MAX_INT:
            return value
        raise ValueError("id out of range")
    return parse_int(value)


def to_id_or(value, fallback):
    """`to_id(value)`, or `fallback` for anything that is not an id."""
    try:
        return to_id(value)
    except (TypeError, ValueError):
        return fallback


class IdField(IntegerField):
    """An IntegerField limited to what cms.text.bounded.parse_int accepts: a
    huge number or `1_000` is a field error, never a database error."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        try:
            self.data = parse_int(valuelist[0], -MAX_INT, MAX_INT)
        except ValueError:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value.")) from None
