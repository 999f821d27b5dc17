"""Front matter of static-site Markdown files (Hexo, Hugo, Jekyll): YAML
between `---` lines, or TOML between `+++` lines (Hugo)."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml  # type: ignore[import-untyped]

_YAML = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
_TOML = re.compile(
    r"\A\ufeff?\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)", re.S
)
_MORE = re.compile(r"<!--\s*more\s*-->", re.I)


class FrontMatterError(ValueError):  # noqa: N818
    """The front matter is there but cannot be read."""


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(the front matter as a dict, the body after it); ({}, text) without
    front matter. FrontMatterError when it is malformed."""
    for pattern, load in ((_YAML, _load_yaml), (_TOML, _load_toml)):
        match = pattern.match(text)
        if match:
            data = load(match.group(1))
            if not isinstance(data, dict):
                raise FrontMatterError("front matter is not a mapping")
            return data, text[match.end() :]
    return {}, text


def _load_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"YAML: {exc}") from None


def _load_toml(text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FrontMatterError(f"TOML: {exc}") from None


def split_more(body: str) -> tuple[str, str]:
    """(the part before `<!-- more -->`, the body without the marker); the
    first part is "" without a marker."""
    parts = _MORE.split(body, maxsplit=1)
    if len(parts) == 1:
        return "", body
    return parts[0].strip(), parts[0].rstrip() + "\n\n" + parts[1].lstrip()


def as_list(value: Any) -> list[Any]:
    """A front-matter field that may be one value, a list, or a
    comma/space-separated string (Jekyll) as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return [
            v
            for v in re.split(r"[,\s]+" if "," not in value else r"\s*,\s*", value)
            if v
        ]
    return [value]
