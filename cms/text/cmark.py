"""cmark-gfm (GitHub's CommonMark in C, with its tables, strikethrough, task
lists and footnotes) called through its C API, in the library that the
cmarkgfm package builds.

Not through cmarkgfm's Python functions: they never free what cmark-gfm
allocates (markdown_to_html_with_extensions keeps the whole document tree,
about 2 MB for 64 KB of Markdown, and the HTML, on every call), so a worker
would grow without end. Here the tree and the HTML are freed after each
render.

One render at a time per process: cmark-gfm's inline parser marks the
extensions' special characters (`~`, `|`) in a global table that every
parse sets and clears again, and ctypes lets C run without the GIL, so two
threads parsing at once could each see the other's cleared table (a
strikethrough or a table cell missed)."""

from __future__ import annotations

import ctypes
import threading
from importlib.util import find_spec

from cmarkgfm.cmark import Options

# Raw HTML passed through (nh3 sanitises it), footnotes, `~~` only for
# strikethrough (as before: one `~` is text), each block element marked
# with its data-sourcepos (how cms.text.markdown_html tells the Markdown's
# headings, code blocks and lists from raw HTML's).
OPTIONS = (
    Options.CMARK_OPT_UNSAFE
    | Options.CMARK_OPT_FOOTNOTES
    | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
    | Options.CMARK_OPT_SOURCEPOS
)
# GitHub's other two stay off: "autolink" (bare URLs were never links
# here) and "tagfilter" (it would show `<script>` as text; nh3 drops it).
EXTENSIONS = ("table", "strikethrough", "tasklist")

_FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _Mem(ctypes.Structure):
    _fields_ = [
        ("calloc", ctypes.c_void_p),
        ("realloc", ctypes.c_void_p),
        ("free", _FREE),
    ]


def _library() -> ctypes.CDLL:
    spec = find_spec("cmarkgfm._cmark")
    if spec is None or spec.origin is None:  # pragma: no cover
        raise ImportError("cmarkgfm's compiled cmark-gfm is missing")
    lib = ctypes.CDLL(spec.origin)
    pointer, text, size, number = (
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_int,
    )
    for name, result, arguments in (
        ("cmark_gfm_core_extensions_ensure_registered", None, []),
        ("cmark_find_syntax_extension", pointer, [text]),
        ("cmark_parser_new", pointer, [number]),
        ("cmark_parser_attach_syntax_extension", number, [pointer, pointer]),
        ("cmark_parser_feed", None, [pointer, text, size]),
        ("cmark_parser_finish", pointer, [pointer]),
        ("cmark_parser_get_syntax_extensions", pointer, [pointer]),
        ("cmark_render_html", pointer, [pointer, number, pointer]),
        ("cmark_node_free", None, [pointer]),
        ("cmark_parser_free", None, [pointer]),
        ("cmark_get_default_mem_allocator", ctypes.POINTER(_Mem), []),
    ):
        function = getattr(lib, name)
        function.restype = result
        function.argtypes = arguments
    return lib


_LIB = _library()
_LIB.cmark_gfm_core_extensions_ensure_registered()
_EXTENSIONS = [_LIB.cmark_find_syntax_extension(name.encode()) for name in EXTENSIONS]
if not all(_EXTENSIONS):  # pragma: no cover
    raise ImportError(f"cmark-gfm lacks one of the extensions {EXTENSIONS}")
_FREE_MEMORY = _LIB.cmark_get_default_mem_allocator().contents.free
_ONE_AT_A_TIME = threading.Lock()


def to_html(source: str) -> str:
    """`source` rendered by cmark-gfm with OPTIONS and EXTENSIONS (raw HTML
    kept: not safe to show as it is)."""
    data = source.encode("utf-8", "replace")  # a lone surrogate becomes "?"
    with _ONE_AT_A_TIME:
        parser = _LIB.cmark_parser_new(OPTIONS)
        try:
            for extension in _EXTENSIONS:
                _LIB.cmark_parser_attach_syntax_extension(parser, extension)
            _LIB.cmark_parser_feed(parser, data, len(data))
            document = _LIB.cmark_parser_finish(parser)
            try:
                html = _LIB.cmark_render_html(
                    document, OPTIONS, _LIB.cmark_parser_get_syntax_extensions(parser)
                )
            finally:
                _LIB.cmark_node_free(document)
        finally:
            _LIB.cmark_parser_free(parser)
    try:
        return ctypes.string_at(html).decode("utf-8")
    finally:
        _FREE_MEMORY(html)
