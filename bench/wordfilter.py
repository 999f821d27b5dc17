"""Benchmark: the word engine (cms/text/wordfilter/) against the two
obvious alternatives, on the same text and rules.

The text: the 48 demo articles (cms/data/demo-articles.jsonl), concatenated
and repeated up to 100 KB. The rules: the shipped defaults
(cms/data/wordlists/) plus generated 2-4 character rules (seeded, drawn
from the characters of the corpus) up to 10,000, all `replace`. Timed:

    ours      normalisation + one Aho-Corasick pass + span mapping + edits
    naive     for each rule: text = text.replace(word, replacement)
    regex     one compiled alternation (longest first) with re.sub

plus the time to build our matcher for the 10,000 rules (goal < 1 s) and
the ratios (goal: ours >= 20x faster than naive). The naive loop and the
regex match the raw text only (no normalisation), so they do less work.

Usage: .venv/bin/python bench/wordfilter.py [--size BYTES] [--rules N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cms.text.wordfilter import Action, Matcher, Rule, parse_tsv  # noqa: E402

DATA = ROOT / "cms" / "data"


def corpus_text(size: int) -> str:
    """The demo articles' bodies, concatenated and repeated to `size` bytes."""
    rows = [
        json.loads(line)
        for line in (DATA / "demo-articles.jsonl").open(encoding="utf-8")
    ]
    text = "\n\n".join(row["body_markdown"] for row in rows)
    out = text
    while len(out.encode()) < size:
        out += "\n\n" + text
    return out.encode()[:size].decode("utf-8", "ignore")


def rule_set(text: str, count: int, seed: int = 13) -> tuple[list[Rule], list[str]]:
    """The shipped defaults plus generated rules up to `count`."""
    wordlists = DATA / "wordlists"
    rules = [
        r
        for r in parse_tsv((wordlists / "ad-law-words.tsv").read_text("utf-8"))
        if r.action == Action.REPLACE
    ]
    rules += [
        Rule(line.split("\t")[0], Action.REPLACE, "＊")
        for line in (wordlists / "sensitive-words.tsv")
        .read_text("utf-8")
        .splitlines()[1:]
        if line.strip() and not line.startswith("#")
    ]
    exceptions = [
        line.strip()
        for line in (wordlists / "ad-law-exceptions.txt")
        .read_text("utf-8")
        .splitlines()
        if line.strip() and not line.startswith("#")
    ]
    chars = sorted({ch for ch in text if "\u4e00" <= ch <= "\u9fff"})
    rng = random.Random(seed)
    seen = {r.phrase for r in rules}
    while len(rules) < count:
        phrase = "".join(rng.choice(chars) for _ in range(rng.randint(2, 4)))
        if phrase not in seen:
            seen.add(phrase)
            rules.append(Rule(phrase, Action.REPLACE, "＊"))
    return rules, exceptions


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median seconds over `repeat` runs, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    text = corpus_text(args.size)
    rules, exceptions = rule_set(text, args.rules)
    print(f"text: {len(text.encode()):,} bytes ({len(text):,} characters); "
          f"rules: {len(rules):,}; exceptions: {len(exceptions)}")  # fmt: skip

    build, matcher = timed(lambda: Matcher.build(rules, exceptions), 3)
    assert isinstance(matcher, Matcher)
    ours, result = timed(lambda: matcher.apply(text, "articles"), args.repeat)

    def naive() -> str:
        out = text
        for rule in rules:
            out = out.replace(rule.phrase, rule.replacement)
        return out

    naive_time, _ = timed(naive, max(1, args.repeat // 2))
    ordered = sorted(rules, key=lambda r: len(r.phrase), reverse=True)
    replacement = {r.phrase: r.replacement for r in ordered}
    regex_build, pattern = timed(
        lambda: re.compile("|".join(re.escape(r.phrase) for r in ordered)), 1
    )
    assert isinstance(pattern, re.Pattern)
    regex_time, _ = timed(
        lambda: pattern.sub(lambda m: replacement[m.group()], text),
        max(1, args.repeat // 2),
    )
    changes = len(result.changes)  # type: ignore[attr-defined]
    print(f"build matcher (10k rules)   {build * 1000:9.1f} ms   (goal < 1000 ms)")
    print(f"regex compile               {regex_build * 1000:9.1f} ms")
    print(f"ours  (normalise+match+map) {ours * 1000:9.1f} ms   {changes} changes")
    print(f"naive str.replace loop      {naive_time * 1000:9.1f} ms   "
          f"ratio naive/ours {naive_time / ours:6.1f}x (goal >= 20x)")  # fmt: skip
    print(f"one regex alternation       {regex_time * 1000:9.1f} ms   "
          f"ratio regex/ours {regex_time / ours:6.1f}x")  # fmt: skip
    return 0 if naive_time / ours >= 20 and build < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
