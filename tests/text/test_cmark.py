"""cms.text.cmark: cmark-gfm through its C API, freeing what it allocates,
one render at a time."""

from __future__ import annotations

import resource
from concurrent.futures import ThreadPoolExecutor

from cms.text.cmark import to_html

SOURCE = "| a | b |\n|---|---|\n| ~~删~~ | 2 |\n\n~~删~~ 正文[^1]\n\n[^1]: 注\n"


def test_tables_strikethrough_and_footnotes_render():
    html = to_html(SOURCE)

    assert "<table" in html and "<del>删</del>" in html
    assert 'class="footnote-ref"' in html


def test_text_python_cannot_encode_still_renders():
    assert "a" in to_html("a\udcff\x00")


def test_threads_rendering_at_once_get_what_one_thread_gets():
    # cmark-gfm's inline parser sets and clears a global table of the
    # extensions' characters (`~`, `|`) on every parse: unserialised, a
    # thread could miss a strikethrough or a table cell.
    with ThreadPoolExecutor(8) as pool:
        outputs = set(pool.map(lambda _: to_html(SOURCE * 20), range(200)))

    assert outputs == {to_html(SOURCE * 20)}
    assert "<del>删</del>" in outputs.pop()


def test_memory_does_not_grow_with_renders():
    # cmarkgfm's own functions kept every document tree (2 MB a 64 KB render).
    source = "Some *text* with [a link](https://example.com/) and more.\n\n" * 1100
    to_html(source)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(100):
        to_html(source)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before

    assert grown_kb < 20_000  # 100 leaked trees would be 200 MB
