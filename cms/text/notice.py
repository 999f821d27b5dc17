"""The attribution / reprint notice, filled in from its template."""

import string

from markupsafe import Markup, escape


def render_notice(template: str, values: dict[str, str], link_field: str) -> Markup:
    """Fill `template`'s {placeholders} from `values`, escaping everything; the
    value of `link_field` becomes a link to itself. Unknown placeholders stay as
    written (the settings service refuses them on the way in)."""
    parts: list[str] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        parts.append(str(escape(literal)))
        if name is None:
            continue
        if name not in values:
            parts.append(str(escape("{" + name + "}")))
        elif name == link_field:
            url = escape(values[name])
            parts.append(f'<a href="{url}">{url}</a>')
        else:
            parts.append(str(escape(values[name])))
    return Markup("".join(parts))  # noqa: S704  # nosec B704  # every piece escaped
