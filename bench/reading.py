"""What the reader-comfort features cost, in-process (no server):

- the article page's reading figures and table of contents per view, first
  time (a body not seen yet) and after (remembered per body);
- Pygments highlighting at save time, against a plain code block.

Run: .venv/bin/python bench/reading.py  (figures and ratios side by side)."""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cms.text.markdown import render_markdown  # noqa: E402
from cms.text.reading import reading_of, table_of_contents  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def per_call_ms(function, number: int) -> float:
    return timeit.timeit(function, number=number) / number * 1000


def main() -> None:
    source = (ROOT / "cms/data/reference-article.md").read_text(encoding="utf-8")
    html = render_markdown(source)
    render = per_call_ms(lambda: render_markdown(source), 200)

    def first_view():
        reading_of.cache_clear()
        table_of_contents.cache_clear()
        reading_of(html)
        table_of_contents(html)

    def later_view():
        copy = (html + " ")[:-1]  # a new string, as a row read afresh gives
        reading_of(copy)
        table_of_contents(copy)

    first, later = per_call_ms(first_view, 200), per_call_ms(later_view, 2000)
    print(f"reference article: render {render:.2f} ms (at save time)")
    print(f"reading figures + TOC per view: first {first:.3f} ms, "
          f"later {later:.4f} ms  (x{first / later:.0f})")  # fmt: skip
    lines = "def f(x):\n    return x * 2  # 注释\n" * 200
    code = per_call_ms(lambda: render_markdown(f"```python\n{lines}```\n"), 30)
    plain = per_call_ms(lambda: render_markdown(f"```\n{lines}```\n"), 30)
    print(f"400-line code block at save time: highlighted {code:.1f} ms, "
          f"plain {plain:.1f} ms  (x{code / plain:.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
