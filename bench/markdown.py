"""Markdown rendering, the previous engine (markdown-it-py, pure Python:
bench/_markdown_it.py) against the current one (cmark-gfm, C:
cms.text.markdown), side by side with the ratio:

- the hostile 64 KB inputs of the attack suite (tests/security/redos.py),
  then a few more that only Markdown's own rules invite (many headings,
  task items, code blocks, paragraphs, deep list lines, footnote marks);
- normal articles: the demo, dev and unseen corpora, the reference article
  and the WordPress theme unit test's bodies read as Markdown (raw HTML);
- whether the two write the same HTML for those articles.

Times are CPU seconds of one render in a forked child (tests.security.redos:
what the attack suite measures), best and worst of REPEATS; the REPEATS
renders of one input taking longer than TIMEOUT of wall-clock time are
killed (shown as "> TIMEOUT s": on a loaded machine that is less CPU time).
The machine is shared: repeat the run and compare ranges, not single
figures.

Run: .venv/bin/python bench/markdown.py [--quick]"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _markdown_it  # noqa: E402

from cms.text.markdown import render_markdown  # noqa: E402
from tests.security.redos import Job, cpu_times, filled, inputs  # noqa: E402

SITE = "cms.test"
REPEATS = 3
TIMEOUT = 30.0
# shared/ sits beside the main checkout, two levels up from a work tree.
SHARED = next(
    (p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
    ROOT / "shared" / "data",
)
CORPORA = [
    ROOT / "cms/data/demo-articles.jsonl",
    ROOT / "bench/data/dev-articles.jsonl",
    ROOT / "bench/data/unseen-articles.jsonl",
]
WORDPRESS = SHARED / "wordpress" / "themeunittestdata.wordpress.xml"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def markdown_only_inputs() -> dict[str, str]:
    """64 KB inputs that Markdown's own block rules turn into many elements."""
    return {
        "## headings": filled("## a\n"),
        "distinct headings": "".join(f"## a{i}\n" for i in range(20000))[:65536],
        "task items": filled("- [ ] a\n"),
        "python fences": filled("```python\na\n```\n"),
        "paragraphs": filled("a\n\n"),
        "list lines x20": filled("- " * 20 + "x\n"),
        "footnote marks": filled("[^a]", 65536 - 20) + "\n\n[^a]: note\n",
    }


def articles() -> dict[str, list[str]]:
    """Normal Markdown bodies, by where they come from."""
    found: dict[str, list[str]] = {}
    for path in CORPORA:
        lines = path.read_text(encoding="utf-8").splitlines()
        found[path.stem] = [json.loads(line)["body_markdown"] for line in lines]
    found["reference article"] = [
        (ROOT / "cms/data/reference-article.md").read_text(encoding="utf-8")
    ]
    if WORDPRESS.exists():
        items = ET.parse(WORDPRESS).getroot().iter("item")
        bodies = [item.findtext(_CONTENT) or "" for item in items]
        found["WordPress bodies"] = [body for body in bodies if body.strip()]
    return found


def old(text: str) -> str:
    return _markdown_it.render_markdown(text, SITE)


def new(text: str) -> str:
    return render_markdown(text, SITE)


def render_all(render, texts: list[str]) -> None:
    for text in texts:
        render(text)


def shown(seconds: float) -> str:
    return f"> {TIMEOUT:.0f} s" if seconds == float("inf") else f"{seconds * 1000:.1f}"


def table(title: str, cases: dict[str, object], per: str) -> None:
    """Time old and new on each case (a text, or a list of texts rendered
    one after the other) and print them side by side."""
    jobs = []
    for name, case in cases.items():
        for engine in (old, new):
            if isinstance(case, list):
                jobs.append(
                    Job(
                        name,
                        lambda texts, r=engine: render_all(r, texts),
                        case,
                        REPEATS,
                    )
                )
            else:
                jobs.append(Job(name, engine, case, REPEATS))
    times = cpu_times(jobs, TIMEOUT)
    print(f"\n{title} (ms {per}, best-worst of {REPEATS})")
    print(f"  {'input':22} {'markdown-it-py':>17} {'cmark-gfm':>15} {'ratio':>7}")
    for n, name in enumerate(cases):
        label = repr(name) if len(name) <= 2 else name
        (old_best, old_worst), (new_best, new_worst) = times[2 * n], times[2 * n + 1]
        ratio = old_best / new_best if new_best else float("inf")
        ratio_shown = (
            f">{TIMEOUT / new_best:.0f}" if old_best == float("inf") else f"{ratio:.0f}"
        )
        print(
            f"  {label[:22]:22} {shown(old_best):>8}-{shown(old_worst):<8} "
            f"{shown(new_best):>7}-{shown(new_worst):<7} x{ratio_shown:>6}"
        )


def same_output(found: dict[str, list[str]]) -> None:
    squeeze = re.compile(r"\s+")

    def spaced(html: str) -> str:
        return squeeze.sub(" ", html).replace("> <", "><").strip()

    same = spaces = other = 0
    for texts in found.values():
        for text in texts:
            a, b = old(text), new(text)
            if a == b:
                same += 1
            elif spaced(a) == spaced(b):
                spaces += 1
            else:
                other += 1
    print(
        f"\nsame HTML for the articles: {same} identical, {spaces} differing "
        f"in white space only, {other} otherwise"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer hostile inputs")
    quick = parser.parse_args().quick
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} CPUs; {time.strftime('%H:%M')}")
    table("hostile 64 KB inputs (the attack suite's)", dict(inputs(quick)), "each")
    extra = markdown_only_inputs()
    if quick:
        extra = {k: extra[k] for k in ("## headings", "paragraphs")}
    table("64 KB of Markdown's own blocks (not in the attack suite)", extra, "each")
    found = articles()
    table("normal articles", dict(found), "for all of each set")
    print("  (" + ", ".join(f"{k}: {len(v)}" for k, v in found.items()) + ")")
    same_output(found)


if __name__ == "__main__":
    main()
