"""Code blocks highlighted by Pygments when the article is rendered (no
script in the reader's browser), with the language's name shown above."""

from __future__ import annotations

from functools import lru_cache
from html import escape

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

# Every class Pygments puts on a token's <span> (the sanitiser keeps these).
TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)
_FORMATTER = HtmlFormatter(nowrap=True)


@lru_cache(maxsize=128)  # finding a lexer by name takes 4x highlighting a line
def _lexer(language: str) -> Lexer | None:
    if not language or len(language) > 40:
        return None
    try:
        return get_lexer_by_name(language.lower(), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def highlight_block(code: str, language: str) -> str:
    """A <figure class="code-block"> with the language's name and the
    highlighted code, or "" when the language is missing or unknown (the
    caller renders a plain block)."""
    lexer = _lexer(language)
    if lexer is None:
        return ""
    body = highlight(code, lexer, _FORMATTER)
    return (
        '<figure class="code-block">'
        f'<figcaption class="code-lang">{escape(lexer.name)}</figcaption>'
        f'<pre class="highlight"><code>{body}</code></pre></figure>'
    )
