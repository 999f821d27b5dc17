"""Slugs for URLs and heading ids; Chinese becomes readable pinyin."""

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_ID = re.compile(r"[^\w\u3400-\u9fff-]+")


def slugify(text: str, max_length: int = 80) -> str:
    """A lowercase ASCII slug: `支付宝 催收` -> `zhi-fu-bao-cui-shou`.

    Never empty: text with nothing readable (emoji, symbols) gets `u` plus the
    hex of its code points, so distinct names still get distinct slugs.
    """
    text = unicodedata.normalize("NFKC", text).strip()
    words = lazy_pinyin(text, style=Style.NORMAL, errors="default")
    slug = _NOT_SLUG.sub("-", "-".join(words).lower()).strip("-")
    if not slug:
        slug = "u" + "".join(f"{ord(c):x}" for c in text)[: max_length - 1] or "u"
    return slug[:max_length].rstrip("-")


HEADING_ID_PREFIX = "h-"


def heading_slug(text: str) -> str:
    """A heading id that keeps Chinese as is (browsers show it in the address
    bar), prefixed `h-` so an article can never take an id of the page around
    it (`comments`, `respond` …)."""
    slug = _NOT_ID.sub("-", unicodedata.normalize("NFKC", text).strip().lower())
    return HEADING_ID_PREFIX + (slug.strip("-") or "section")
