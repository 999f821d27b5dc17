"""Query-string parameters and URL segments, parsed with bounds.

Every number a view reads from the query string or the path goes through
here (forms use cms.forms, the audit filter's dates cms.text.bounded), so a
malformed or huge value answers 400 (or 404: no such page, no such row)
instead of reaching the database; cms.text.bounded says what is accepted.
"""

from __future__ import annotations

from typing import overload

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from cms.text.bounded import MAX_INT, has_control_characters, parse_int


@overload
def int_arg(
    name: str, default: int, minimum: int = 0, maximum: int = MAX_INT, status: int = 400
) -> int: ...
@overload
def int_arg(
    name: str,
    default: None = None,
    minimum: int = 0,
    maximum: int = MAX_INT,
    status: int = 400,
) -> int | None: ...
def int_arg(
    name: str,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = MAX_INT,
    status: int = 400,
) -> int | None:
    """The query parameter `name` as an integer in [minimum, maximum];
    `default` when absent or empty; `status` (400, or 404 where the number
    names a thing: no such thing) when malformed or out of range."""
    raw = request.args.get(name, "")
    if raw == "":
        return default
    try:
        return parse_int(raw, minimum, maximum)
    except ValueError:
        abort(status)


def page_arg(name: str = "page") -> int:
    """A page number: 1 when absent; 404 (no such page) for anything but a
    number from 1 to MAX_INT."""
    return int_arg(name, 1, minimum=1, status=404)


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in routes: ASCII digits up to MAX_INT (a larger number
    cannot name a row, so the route does not match and answers 404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def refuse_control_characters() -> None:
    """before_request: a NUL or other C0 control character (tab and line
    breaks aside) in the path answers 404 (no address has one), in any query
    parameter 400: no database stores NUL, and no page needs the others."""
    if has_control_characters(request.path):
        abort(404)
    for key, value in request.args.items(multi=True):
        if has_control_characters(key) or has_control_characters(value):
            abort(400)


def register_params(app: Flask) -> None:
    """Bound `<int:…>` route segments and refuse control characters in
    paths and query strings; call before the blueprints are registered."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_control_characters)
