"""The sanitizer on the attack suite's hostile 64 KB inputs
(tests/security/redos.py), with and without nh3's stand-ins
(cms.text.stand_ins), side by side:

- "now": render_markdown and sanitize_html as the site runs them;
- "nh3 as is": the same, but nh3 handed the characters themselves (the
  stand-ins patched out in the child process), which is what the site did
  before: nh3's serialiser is quadratic in `&` and no-break spaces.

Times are CPU milliseconds of one render in a forked child, best of five
(tests.security.redos, as `make security` measures them). Judged by: the
slowest "now" ÷ the check's 100 ms budget (tests/security/check_sanitizer.py),
and the slowest "nh3 as is" ÷ the slowest "now".

Run: .venv/bin/python bench/sanitizer.py [--top 10]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cms.text import markdown as markdown_module  # noqa: E402
from cms.text.markdown import render_markdown, sanitize_html  # noqa: E402
from tests.security.check_sanitizer import BUDGET  # noqa: E402
from tests.security.redos import Job, cpu_times, inputs  # noqa: E402

SITE = "x.test"


def _as_is(render):
    """`render` with nh3 given the characters themselves."""

    def run(text: str) -> object:
        patched = markdown_module.clean_linearly
        markdown_module.clean_linearly = lambda cleaner, html: cleaner.clean(html)
        try:
            return render(text)
        finally:
            markdown_module.clean_linearly = patched

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args(argv)
    renderers = {
        "Markdown": lambda t: render_markdown(t, SITE),
        "HTML": lambda t: sanitize_html(t, SITE),
    }
    cases = [
        (f"{kind} {name!r}", render, text)
        for name, text in inputs().items()
        for kind, render in renderers.items()
    ]
    jobs = []
    for what, render, text in cases:  # side by side, input by input
        jobs.append(Job(f"now {what}", render, text, repeats=5))
        jobs.append(Job(f"as is {what}", _as_is(render), text, repeats=5))
    times = cpu_times(jobs, timeout=20.0)
    rows = [
        (what, times[2 * n][0] * 1000, times[2 * n + 1][0] * 1000)
        for n, (what, _render, _text) in enumerate(cases)
    ]
    rows.sort(key=lambda row: -max(row[1], row[2]))
    print(f"{'input':34} {'now ms':>8} {'nh3 as is ms':>13}")
    for what, now, as_is in rows[: args.top]:
        print(f"{what:34} {now:8.1f} {as_is:13.1f}")
    slowest_now = max(row[1] for row in rows)
    slowest_as_is = max(row[2] for row in rows)
    print(f"\nslowest now: {slowest_now:.1f} ms; budget {BUDGET * 1000:.0f} ms")
    print(f"ratio slowest now / budget = {slowest_now / (BUDGET * 1000):.2f}")
    print(f"ratio slowest as is / slowest now = {slowest_as_is / slowest_now:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
