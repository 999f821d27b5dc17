"""Related articles and search: quality on the demo corpus, tokenizer speed,
and how the costs grow with the site.

    python bench/related.py                    # precision@5 + tokenizer speed
    python bench/related.py --scale 1000 10000 # + generated sites of those sizes
    python bench/related.py --corpus FILE.jsonl

precision@5: for each article, the share of its five best related articles
(by content alone: the category bonus is switched off, and the articles are
imported without categories) that are in its own category, averaged. Goal
>= 0.85.

Scale: sites of N generated articles (about 1 KB each, drawn from topic
vocabularies); timed separately: building the index, the related update for
one newly published article (its own list and the lists it enters), a query
for a rare term and for a common term. Goal: 100k / 1k <= 3 for each.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT  # noqa: E402

RECOMPUTE = False
DEMO = ROOT / "cms" / "data" / "demo-articles.jsonl"


def _app(url: str):
    from cms import create_app
    from cms.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "RELATED_MODE": "tick", "LOG_LEVEL": "ERROR"}
    )
    with app.app_context():
        db.create_all()
    return app


@dataclass
class Precision:
    """precision@5 overall and per category, and the misses: (article title,
    [(other title, other category, score)]) for each list with a miss."""

    overall: float
    by_category: dict[str, float]
    misses: list[tuple[str, str, list[tuple[str, str, float]]]]


def precision_at_5(corpus: Path, with_categories: bool) -> Precision:
    """Import `corpus`, compute every list with the category bonus off; the
    mean share of the top five in the article's own category."""
    from datetime import datetime, timedelta

    from cms.extensions import db
    from cms.models import ArticleStatus, RelatedArticle, Role
    from cms.services.article_writing import ArticleDraft, create_article
    from cms.services.related import lists, scoring, worker
    from cms.services.users import create_user

    rows = [json.loads(line) for line in corpus.read_text("utf-8").splitlines()]
    app = _app("sqlite://")
    bonus, scoring.CATEGORY_BONUS = scoring.CATEGORY_BONUS, 0.0
    shares: dict[str, list[float]] = defaultdict(list)
    misses = []
    with app.app_context():
        owner = create_user("bench", Role.EDITOR, None, "bench")
        topic, titles = {}, {}
        start = datetime.fromisoformat("2024-01-01T00:00:00+08:00")
        for i, row in enumerate(rows):
            article = create_article(
                ArticleDraft(
                    title=row["title"],
                    body_markdown=row["body_markdown"],
                    owner=owner,
                    status=ArticleStatus.PUBLISHED,
                    published_at=start + timedelta(hours=i),
                    category=row["category"] if with_categories else None,
                    tags=tuple(row.get("tags", ())),
                )
            )
            topic[article.id] = row["category"]
            titles[article.id] = row["title"]
        worker.process_queue()
        if RECOMPUTE:
            for article_id in topic:
                lists.refresh(article_id)
        for article_id, category in topic.items():
            top = db.session.execute(
                db.select(RelatedArticle.related_id, RelatedArticle.score)
                .where(
                    RelatedArticle.article_id == article_id,
                    RelatedArticle.kind == "score",
                )
                .order_by(RelatedArticle.position)
                .limit(5)
            ).all()
            hits = [topic.get(other) == category for other, _ in top]
            shares[category].append(sum(hits) / 5)
            if sum(hits) < 5:
                wrong = [
                    (titles[o], topic[o], s) for o, s in top if topic[o] != category
                ]
                wrong += [("(none)", "", 0.0)] * (5 - len(top))
                misses.append((titles[article_id], category, wrong))
    scoring.CATEGORY_BONUS = bonus
    every = [s for values in shares.values() for s in values]
    by_category = {c: statistics.mean(v) for c, v in shares.items()}
    return Precision(statistics.mean(every), by_category, misses)


def tokenizer_speed(corpus: Path) -> tuple[float, float]:
    """Characters per second of segment.words over the corpus, and the
    dictionary's load time in this process."""
    from cms.text import segment

    text = "\n".join(
        r["title"] + "\n" + r["body_markdown"]
        for r in map(json.loads, corpus.read_text("utf-8").splitlines())
    )
    load = segment.warm()
    started = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        segment.words(text)
    return len(text) * rounds / (time.perf_counter() - started), load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEMO)
    parser.add_argument("--scale", type=int, nargs="*", default=[])
    parser.add_argument(
        "--misses", action="store_true", help="print each list's wrong entries"
    )
    args = parser.parse_args()
    speed, load = tokenizer_speed(args.corpus)
    print(f"tokenizer: {speed:,.0f} characters/s; dictionary loaded in {load:.2f} s")
    p_cat = precision_at_5(args.corpus, with_categories=True)
    p_none = precision_at_5(args.corpus, with_categories=False)
    print(f"precision@5 (category bonus off): {p_cat.overall:.3f}  goal >= 0.85")
    print(
        f"precision@5 (imported without categories): {p_none.overall:.3f}  goal >= 0.80"
    )
    print(
        "  by category: "
        + ", ".join(f"{c} {v:.2f}" for c, v in sorted(p_none.by_category.items()))
    )
    if args.misses:
        for title, category, wrong in p_none.misses:
            print(f"  [{category}] {title}")
            for other, other_category, score in wrong:
                print(f"      {score:.3f} [{other_category}] {other}")
    if args.scale:
        from bench._related_scale import run_scale

        run_scale(args.scale)


if __name__ == "__main__":
    main()
