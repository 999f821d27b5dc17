"""Benchmark: the anti-spam pipeline over the shared spam and ham corpora.

Runs cms.services.spam.assess with the default settings, the rule lists the
CMS ships (cms/data/comments-*.txt) and comments.hold_first off (so the figure
measures the content rules), and prints a confusion table:

    spam caught  = spam comments marked spam or held   (goal >= 90 %)
    ham as spam  = genuine comments marked spam         (goal <= 2 %)

Usage: .venv/bin/python bench/spam.py [--corpus DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cms import create_app  # noqa: E402
from cms.extensions import db  # noqa: E402
from cms.models import CommentStatus, utcnow  # noqa: E402
from cms.services.settings import set_settings  # noqa: E402
from cms.services.spam import Candidate, assess  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpus"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        db.create_all()
        data = resources.files("cms.data")
        set_settings(
            {
                "comments.hold_first": "false",
                "comments.disallowed": data.joinpath(
                    "comments-disallowed.txt"
                ).read_text("utf-8"),
                "comments.moderation_words": data.joinpath(
                    "comments-moderation-words.txt"
                ).read_text("utf-8"),
            }
        )
        table: dict[str, Counter] = {}
        started = time.perf_counter()
        count = 0
        for kind in ("spam", "ham"):
            table[kind] = Counter()
            for row in load(args.corpus / f"{kind}-comments.jsonl"):
                candidate = Candidate(
                    author_name=row["author"], author_email=row["email"],
                    author_url=row["url"], body=row["body"], ip="203.0.113.7",
                )  # fmt: skip
                verdict = assess(candidate, utcnow())
                table[kind][verdict.status] += 1
                count += 1
                wrong = (
                    kind == "spam" and verdict.status == CommentStatus.APPROVED
                ) or (kind == "ham" and verdict.status == CommentStatus.SPAM)
                if args.verbose and wrong:
                    print(f"  miss ({kind} -> {verdict.status}): {row['body'][:50]}")
        elapsed = time.perf_counter() - started

    print(f"{'':6} {'spam':>6} {'pending':>8} {'approved':>9} {'total':>6}")
    for kind, counts in table.items():
        total = sum(counts.values())
        spam, held = counts[CommentStatus.SPAM], counts[CommentStatus.PENDING]
        print(
            f"{kind:6} {spam:>6} {held:>8}"
            f" {counts[CommentStatus.APPROVED]:>9} {total:>6}"
        )
    spam_total = sum(table["spam"].values())
    ham_total = sum(table["ham"].values())
    caught = table["spam"][CommentStatus.SPAM] + table["spam"][CommentStatus.PENDING]
    ham_spam = table["ham"][CommentStatus.SPAM]
    caught_rate = caught / spam_total
    ham_rate = ham_spam / ham_total
    print(
        f"spam caught (spam or pending): {caught}/{spam_total} = {caught_rate:.0%}"
        f"  (goal >= 90 %: {'MET' if caught_rate >= 0.9 else 'NOT MET'})"
    )
    print(
        f"ham marked spam:               {ham_spam}/{ham_total} = {ham_rate:.0%}"
        f"  (goal <= 2 %: {'MET' if ham_rate <= 0.02 else 'NOT MET'})"
    )
    print(f"pipeline: {count} comments in {elapsed * 1000:.1f} ms "
          f"({elapsed / count * 1e6:.0f} µs each)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
