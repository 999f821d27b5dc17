"""Scale runs for bench/related.py: generated sites of N articles.

Each site is built in bulk (articles inserted with Core, then segmented and
indexed with the services' own functions) and that build is timed on its
own. Then, on the built site: the related update for one newly published
article (its counts, key terms, candidates, own list, and the lists it
enters: `related.refresh(id, spread=True)`), and search latency for a rare
term (in three articles) and a common one (in about 30 %).

Articles are drawn from the demo corpus's vocabulary per category (eight
topics), about 1 KB each, with a shared pool of common words.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._common import ROOT

DEMO = ROOT / "cms" / "data" / "demo-articles.jsonl"
RARE = "蓝鲸星"
COMMON = "平台"


def _vocabularies() -> tuple[dict[str, list[str]], list[str]]:
    from cms.text import segment

    rows = [json.loads(line) for line in DEMO.read_text("utf-8").splitlines()]
    by_topic: dict[str, set[str]] = defaultdict(set)
    everywhere: dict[str, int] = defaultdict(int)
    for row in rows:
        words = {w for w in segment.words(row["body_markdown"]) if len(w) >= 2}
        by_topic[row["category"]] |= words
        for word in words:
            everywhere[word] += 1
    common = [w for w, n in everywhere.items() if n >= 8]
    topics = {t: sorted(w - set(common)) for t, w in by_topic.items()}
    return topics, common


def _article_text(rng: random.Random, topic: list[str], common: list[str]):
    title = "".join(rng.choice(topic) for _ in range(4))
    words = []
    while sum(len(w) for w in words) < 340:  # about 1 KB of UTF-8
        words.append(rng.choice(topic) if rng.random() < 0.7 else rng.choice(common))
        if rng.random() < 0.08:
            words.append("。")
    return title, "".join(words)


def build_site(url: str, count: int, seed: int = 7):
    """A site of `count` published articles; returns (app, seconds to insert,
    seconds to index)."""
    from sqlalchemy import insert

    from cms import create_app
    from cms.extensions import db
    from cms.models import Article, ArticleStatus, Category, Role, SearchDocument
    from cms.services import related
    from cms.services.users import create_user
    from cms.text import segment

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RELATED_MODE": "tick"})
    rng = random.Random(seed)
    topics, common = _vocabularies()
    names = sorted(topics)
    with app.app_context():
        db.create_all()
        owner = create_user("bench", Role.EDITOR, None, "bench")
        categories = {}
        for i, name in enumerate(names):
            db.session.add(Category(name=name, slug=f"topic-{i}"))
        db.session.commit()
        for category in db.session.scalars(db.select(Category)):
            categories[category.name] = category.id
        started = time.perf_counter()
        start = datetime(2020, 1, 1, tzinfo=UTC)
        rows = []
        for i in range(count):
            topic = names[i % len(names)]
            title, body = _article_text(rng, topics[topic], common)
            if rng.random() < 0.3:
                body += COMMON + "。"
            if i in (count // 3, count // 2, count - 2):
                body += RARE + "。"
            rows.append({"title": title[:200], "body_markdown": body,
                         "body_html": f"<p>{body}</p>", "excerpt": "",
                         "summary": body[:100], "status": ArticleStatus.PUBLISHED,
                         "published_at": start + timedelta(minutes=i),
                         "owner_id": owner.id, "category_id": categories[topic],
                         "public_id": f"b{i:015d}"})  # fmt: skip
        for chunk in range(0, count, 5000):
            db.session.execute(insert(Article), rows[chunk : chunk + 5000])
        db.session.commit()
        inserted = time.perf_counter() - started
        started = time.perf_counter()
        # The services' own functions, in bulk: counts and search terms per
        # article, document frequencies in memory, then the key terms.
        from cms.models import ArticleTerm, ArticleVector, TermStat

        ids = list(db.session.scalars(db.select(Article.id).order_by(Article.id)))
        counts: dict[int, dict[str, float]] = {}
        df: dict[str, int] = defaultdict(int)
        search_rows = []
        for row, article_id in zip(rows, ids, strict=True):
            text = row["body_markdown"]
            counts[article_id] = related.term_counts(row["title"], [], text)
            for term in counts[article_id]:
                df[term] += 1
            title_terms = " ".join(segment.search_terms(row["title"]))
            search_rows.append(
                {
                    "article_id": article_id,
                    "title_terms": title_terms,
                    "body_terms": " ".join(segment.search_terms(text)),
                }
            )
        df[related.DOCS] = len(ids)
        for chunk in range(0, len(search_rows), 5000):
            db.session.execute(
                insert(SearchDocument), search_rows[chunk : chunk + 5000]
            )
        db.session.execute(
            insert(TermStat), [{"term": t, "df": n} for t, n in df.items()]
        )
        vectors, terms = [], []
        for article_id, article_counts in counts.items():
            vectors.append(
                {
                    "article_id": article_id,
                    "terms": json.dumps(article_counts, ensure_ascii=False),
                }
            )
            for term, weight in related.key_terms(article_counts, df, len(ids)).items():
                terms.append({"article_id": article_id, "term": term, "weight": weight})
        for chunk in range(0, len(vectors), 5000):
            db.session.execute(insert(ArticleVector), vectors[chunk : chunk + 5000])
        for chunk in range(0, len(terms), 20000):
            db.session.execute(insert(ArticleTerm), terms[chunk : chunk + 20000])
        db.session.commit()
        segmented = time.perf_counter() - started
        print(
            f"  {count}: segmented and indexed in {segmented:.1f} s; lists …",
            flush=True,
        )
        for i, article_id in enumerate(ids):  # every list, as after a rebuild
            related.refresh(article_id)
            if i % 1000 == 999:
                db.session.expunge_all()
        indexed = time.perf_counter() - started
    return app, inserted, indexed


def time_publish(app) -> float:
    """Seconds for the related update of one newly published article."""
    from cms.extensions import db
    from cms.models import ArticleStatus, Role
    from cms.services import related
    from cms.services.articles import ArticleDraft, create_article
    from cms.services.users import create_user

    rng = random.Random(99)
    topics, common = _vocabularies()
    with app.app_context():
        owner = create_user(f"pub{rng.randrange(10**6)}", Role.EDITOR, None, "x")
        times = []
        for round_ in range(3):
            title, body = _article_text(rng, topics[sorted(topics)[round_]], common)
            article = create_article(
                ArticleDraft(
                    title=title,
                    body_markdown=body,
                    owner=owner,
                    status=ArticleStatus.PUBLISHED,
                    category=sorted(topics)[round_],
                )
            )
            db.session.execute(db.delete(related.RelatedQueue))
            db.session.commit()
            started = time.perf_counter()
            related.refresh(article.id, spread=True)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def time_query(app, query: str, rounds: int = 7) -> float:
    from cms.extensions import db
    from cms.services.search import search

    with app.app_context():
        search(query)  # warm
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            search(query)
            times.append(time.perf_counter() - started)
        db.session.remove()
    return statistics.median(times)


def run_scale(sizes: list[int]) -> None:
    results = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
            app, inserted, indexed = build_site(url, size)
            publish = time_publish(app)
            rare = time_query(app, RARE)
            common = time_query(app, COMMON)
            results[size] = (publish, rare, common)
            print(
                f"{size:>7} articles: build {inserted:.1f} s insert + {indexed:.1f} s"
                f" index | publish→related {publish * 1000:.1f} ms | search rare "
                f"{rare * 1000:.2f} ms, common {common * 1000:.2f} ms",
                flush=True,
            )
            from cms.extensions import db

            with app.app_context():
                db.engine.dispose()
    if len(results) > 1:
        small, large = min(results), max(results)
        names = ("publish→related", "search rare", "search common")
        for i, name in enumerate(names):
            ratio = results[large][i] / results[small][i]
            print(f"ratio {large}÷{small} {name}: {ratio:.2f}  goal ≤ 3")
