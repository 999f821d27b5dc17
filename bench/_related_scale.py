"""Scale runs for bench/related.py: generated sites of N articles.

Each site is built in bulk and each step is timed on its own: the articles
inserted with Core in batches; the index (search documents, weighted term
counts, document frequencies and key terms, with the services' own
functions `terms.term_counts`, `terms.key_terms` and
`segment.search_terms`, in large batches instead of one transaction per
article); and the stored lists the timed publishes can read (the
candidates of the articles about to be published, each computed with
`related.lists.refresh`, as a rebuild would). Then, on the built site: the related
update for one newly published article (its counts, key terms, candidates,
own list, and the lists it enters: `related.lists.refresh(id, spread=True)`), and
search latency for a rare term (in three articles) and a common one (in
about 30 % of the bodies and one title in 300, old and new: search reads
the title matches from the titles' own index, then the newest others).

Articles are drawn from the demo corpus's vocabulary per category (eight
topics), about 1 KB each, with a shared pool of common words. The built
index holds plain key terms (the app's neighbour expansion, `_expand`, is
one more candidate search per article and is left out of the bulk build).
"""

from __future__ import annotations

import json
import random
import shutil
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
TITLED = 300  # one article in TITLED has COMMON in its title


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


CHUNK = 5000  # articles per bulk insert
TERM_CHUNK = 50000  # index rows per bulk insert
PUBLISH_ROUNDS = 7


def _publish_drafts(topics, common) -> list[tuple[str, str, str]]:
    """The articles time_publish publishes, (title, body, topic): the same
    every run, so that the build can prepare the lists they will touch."""
    rng = random.Random(99)
    names = sorted(topics)
    drafts = []
    for round_ in range(PUBLISH_ROUNDS):
        title, body = _article_text(rng, topics[names[round_]], common)
        drafts.append((title, body, names[round_]))
    return drafts


def _insert(table, rows: list[dict], size: int) -> None:
    from sqlalchemy import insert

    from cms.extensions import db

    for chunk in range(0, len(rows), size):
        db.session.execute(insert(table), rows[chunk : chunk + size])


def _lists_read(path: Path) -> set[int]:
    """The articles whose lists time_publish reads, found by running it on
    a copy of the site at `path` and noting every candidate scored."""
    from cms.extensions import db
    from cms.services.related import index, lists, scoring

    copy = path.with_name(path.name + ".dry")
    shutil.copyfile(path, copy)
    seen: set[int] = set()
    original = scoring.score_candidates

    def noting(*args, **kwargs):
        found = original(*args, **kwargs)
        seen.update(s.article_id for s in found)
        return found

    index.score_candidates = lists.score_candidates = noting  # type: ignore
    try:
        dry = _app(f"sqlite:///{copy}")
        time_publish(dry)
        with dry.app_context():
            db.engine.dispose()
    finally:
        index.score_candidates = lists.score_candidates = original  # type: ignore
        copy.unlink()
    return seen


def _app(url: str):
    from cms import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "RELATED_MODE": "tick", "LOG_LEVEL": "ERROR"}
    )


def build_site(path: Path, count: int, seed: int = 7):
    """A site of `count` published articles; returns (app, timings): seconds
    to insert the articles, to segment and index them (search documents,
    term counts, document frequencies, key terms: the services' own
    functions, in large batches, without a transaction per article), and to
    compute the stored lists a publish can read, with how many those were."""
    from cms.database import write_transaction
    from cms.extensions import db
    from cms.models import (
        Article,
        ArticleStatus,
        ArticleTerm,
        ArticleVector,
        Category,
        Role,
        SearchDocument,
        TermStat,
    )
    from cms.services.related import lists, terms
    from cms.services.users import create_user
    from cms.text import segment

    app = _app(f"sqlite:///{path}")
    rng = random.Random(seed)
    topics, common = _vocabularies()
    names = sorted(topics)
    timings: dict[str, float] = {}
    with app.app_context():
        db.create_all()
        owner = create_user("bench", Role.EDITOR, None, "bench")
        categories = {}
        for i, name in enumerate(names):
            db.session.add(Category(name=name, slug=f"topic-{i}"))
        db.session.commit()
        for category in db.session.scalars(db.select(Category)):
            categories[category.name] = category.id
        terms.load_site_words(force=True)  # as the app does before counting

        started = time.perf_counter()
        start = datetime(2020, 1, 1, tzinfo=UTC)
        texts: list[tuple[str, str]] = []
        for first in range(0, count, CHUNK):
            rows = []
            for i in range(first, min(count, first + CHUNK)):
                topic = names[i % len(names)]
                title, body = _article_text(rng, topics[topic], common)
                if rng.random() < 0.3:
                    body += COMMON + "。"
                if i % TITLED == TITLED // 2:  # a few titles, old and new
                    title = COMMON + title
                if i in (count // 3, count // 2, count - 2):
                    body += RARE + "。"
                title = title[:200]
                texts.append((title, body))
                rows.append({"title": title, "body_markdown": body,
                             "body_html": f"<p>{body}</p>", "excerpt": "",
                             "summary": body[:100],
                             "status": ArticleStatus.PUBLISHED,
                             "published_at": start + timedelta(minutes=i),
                             "owner_id": owner.id,
                             "category_id": categories[topic],
                             "public_id": f"b{i:015d}"})  # fmt: skip
            _insert(Article, rows, CHUNK)
        db.session.commit()
        ids = list(db.session.scalars(db.select(Article.id).order_by(Article.id)))
        timings["insert"] = time.perf_counter() - started

        # Index: pass 1 segments each article once for search and for its
        # weighted counts (kept as the JSON the app stores), and counts the
        # document frequencies; pass 2 takes the key terms against them.
        started = time.perf_counter()
        df: dict[str, int] = defaultdict(int)
        encoded: list[str] = []
        for first in range(0, count, CHUNK):
            search_rows, vector_rows = [], []
            for (title, body), article_id in zip(
                texts[first : first + CHUNK], ids[first : first + CHUNK], strict=True
            ):
                article_counts = terms.term_counts(title, [], body)
                for term in terms.counted_terms(article_counts):
                    df[term] += 1
                df[terms.LENGTHS] += article_counts[terms.LENGTH]
                df[terms.MEASURED] += 1
                terms_json = json.dumps(article_counts, ensure_ascii=False)
                encoded.append(terms_json)
                vector_rows.append({"article_id": article_id, "terms": terms_json})
                search_rows.append(
                    {
                        "article_id": article_id,
                        "title_terms": " ".join(segment.search_terms(title)),
                        "body_terms": " ".join(segment.search_terms(body)),
                    }
                )
            _insert(SearchDocument, search_rows, CHUNK)
            _insert(ArticleVector, vector_rows, CHUNK)
        df[terms.DOCS] = count
        _insert(TermStat, [{"term": t, "df": n} for t, n in df.items()], TERM_CHUNK)
        sizes = terms.site_sizes(df)
        term_rows: list[dict] = []
        for article_id, terms_json in zip(ids, encoded, strict=True):
            vector = terms.key_terms(json.loads(terms_json), df, *sizes)
            term_rows.extend(
                {"article_id": article_id, "term": t, "weight": w}
                for t, w in vector.items()
            )
            if len(term_rows) >= TERM_CHUNK:
                _insert(ArticleTerm, term_rows, TERM_CHUNK)
                term_rows = []
        _insert(ArticleTerm, term_rows, TERM_CHUNK)
        db.session.commit()
        del encoded, texts
        timings["index"] = time.perf_counter() - started
        print(f"  {count}: inserted in {timings['insert']:.1f} s, indexed in "
              f"{timings['index']:.1f} s; lists …", flush=True)  # fmt: skip

        # Lists: only those the timed publishes read or change (found by a
        # dry run of them on a copy of the site). A list depends on its own
        # article's key terms and the index alone, so these are the lists a
        # full rebuild would store; the others are never read by the timed
        # work (and all of them would take count x the per-list time).
        db.session.commit()
        started = time.perf_counter()
        touched = _lists_read(path)
        db.session.commit()
        with write_transaction():  # one unit for all: refresh joins it
            for i, article_id in enumerate(sorted(touched)):
                lists.refresh(article_id)
                if i % 1000 == 999:
                    db.session.flush()
                    db.session.expunge_all()
        timings["lists"] = time.perf_counter() - started
        timings["list_count"] = len(touched)
    return app, timings


def publish_once(app, draft: tuple[str, str, str]) -> float:
    """Seconds for the related update of one newly published article."""
    from cms.extensions import db
    from cms.models import ArticleStatus, RelatedQueue, Role, User
    from cms.services.article_writing import ArticleDraft, create_article
    from cms.services.related import lists
    from cms.services.users import create_user

    title, body, topic = draft
    with app.app_context():
        owner = db.session.scalar(db.select(User).where(User.username == "publisher"))
        if owner is None:
            owner = create_user("publisher", Role.EDITOR, None, "x")
        article = create_article(
            ArticleDraft(
                title=title,
                body_markdown=body,
                owner=owner,
                status=ArticleStatus.PUBLISHED,
                category=topic,
            )
        )
        db.session.execute(db.delete(RelatedQueue))
        db.session.commit()
        started = time.perf_counter()
        lists.refresh(article.id, spread=True)
        took = time.perf_counter() - started
        db.session.remove()
    return took


def time_publish(app) -> float:
    """The median of the PUBLISH_ROUNDS publishes on one site."""
    topics, common = _vocabularies()
    times = [publish_once(app, draft) for draft in _publish_drafts(topics, common)]
    return statistics.median(times)


def query_once(app, query: str) -> float:
    from cms.extensions import db
    from cms.services.search import search

    with app.app_context():
        started = time.perf_counter()
        search(query)
        took = time.perf_counter() - started
        db.session.remove()
    return took


def run_scale(sizes: list[int]) -> None:
    """Build every site first (kept until the end), then time them side by
    side: each publish round and each query round visits every size in
    turn, so the machine's load at a moment falls on all of them alike."""
    from cms.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        apps = {}
        for size in sizes:
            app, t = build_site(Path(folder) / f"bench-{size}.sqlite", size)
            apps[size] = app
            lists = int(t["list_count"])
            per_list = t["lists"] / max(lists, 1)
            print(
                f"{size:>7} articles: insert {t['insert']:.1f} s, index"
                f" {t['index']:.1f} s ({size / t['index']:,.0f} articles/s),"
                f" {lists} lists {t['lists']:.1f} s ({per_list * 1000:.1f} ms each;"
                f" all {size}: ~{per_list * size / 60:.0f} min)",
                flush=True,
            )
        topics, common = _vocabularies()
        timed: dict[str, dict[int, list[float]]] = {
            name: {size: [] for size in sizes} for name in NAMES
        }
        for draft in _publish_drafts(topics, common):
            for size in sizes:
                timed[NAMES[0]][size].append(publish_once(apps[size], draft))
        for size in sizes:  # warm each site's search once
            query_once(apps[size], RARE)
            query_once(apps[size], COMMON)
        for _ in range(QUERY_ROUNDS):
            for size in sizes:
                timed[NAMES[1]][size].append(query_once(apps[size], RARE))
                timed[NAMES[2]][size].append(query_once(apps[size], COMMON))
        for size in sizes:
            publish, rare, common_ms = (
                statistics.median(timed[name][size]) * 1000 for name in NAMES
            )
            print(
                f"{size:>7} articles: publish→related {publish:.1f} ms"
                f" ({_spread(timed[NAMES[0]][size])})"
                f" | search rare {rare:.2f} ms, common {common_ms:.2f} ms",
                flush=True,
            )
        for app in apps.values():
            with app.app_context():
                db.engine.dispose()
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        for name in NAMES:
            ratio = statistics.median(timed[name][large]) / statistics.median(
                timed[name][small]
            )
            print(f"ratio {large}÷{small} {name}: {ratio:.2f}  goal ≤ 3")


NAMES = ("publish→related", "search rare", "search common")
QUERY_ROUNDS = 7


def _spread(times: list[float]) -> str:
    return f"{min(times) * 1000:.1f}-{max(times) * 1000:.1f}"
