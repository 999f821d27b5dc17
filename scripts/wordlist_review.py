"""Run the shipped default word rules over the demo articles (the reference
article and cms/data/demo-articles.jsonl) and a set of comments, and print
every match: what docs/wordlists.md lists.

Usage: .venv/bin/python scripts/wordlist_review.py [--corpus DIR]
(DIR holds ham-comments.jsonl and spam-comments.jsonl; default
../shared/data/corpus beside the project.)
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cms.services.wordrule_store import default_rules  # noqa: E402
from cms.text.wordfilter import Matcher  # noqa: E402

DATA = ROOT / "cms" / "data"
# ../shared beside the project (a worktree sits one level deeper).
CORPUS = next(
    (p / "shared" / "data" / "corpus" for p in (ROOT.parent, ROOT.parent.parent)
     if (p / "shared" / "data" / "corpus").is_dir()),
    ROOT.parent / "shared" / "data" / "corpus",
)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "corpus"
    )
    args = parser.parse_args()
    matcher = Matcher.build(default_rules())
    articles = [
        json.loads(line)
        for line in (DATA / "demo-articles.jsonl").open(encoding="utf-8")
    ]
    articles.insert(0, {"title": "支付宝催收上门了怎么办（参考文章）",
                        "body_markdown": (DATA / "reference-article.md").read_text("utf-8")})  # fmt: skip
    totals: collections.Counter[tuple[str, str, str]] = collections.Counter()
    print("## articles")
    for article in articles:
        source = article["body_markdown"]
        for c in matcher.apply(source, "articles").changes:
            context = source[max(0, c.start - 8) : c.end + 8].replace("\n", " ")
            totals[(c.rule.action.value, c.rule.phrase, c.after)] += 1
            print(
                f"{article['title'][:24]}\t{c.rule.action.value}\t{c.before}→{c.after}\t…{context}…"
            )
    print("## totals")
    for (action, phrase, after), count in totals.most_common():
        print(f"{count}\t{action}\t{phrase}\t{after}")
    for name in ("ham", "spam"):
        path = args.corpus / f"{name}-comments.jsonl"
        if not path.exists():
            continue
        rows = [json.loads(line) for line in path.open(encoding="utf-8")]
        hit = 0
        print(f"## {name} comments")
        for row in rows:
            changes = (matcher.apply(row["body"], "comments").changes
                       + matcher.apply(row["author"], "names").changes)  # fmt: skip
            if changes:
                hit += 1
                for c in changes:
                    print(
                        f"{c.rule.action.value}\t{c.rule.kind.value}\t{c.before}\t{row['body'][:40]}"
                    )
        print(f"{name}: {hit}/{len(rows)} comments matched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
