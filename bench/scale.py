#!/usr/bin/env python3
"""Pages at scale: a small site and a large one, the same pages timed on both.

Two SQLite file databases, migrated with flask_migrate.upgrade and filled with
bulk inserts (sqlite3 executemany, synchronous off; generation is timed apart
from the measurement): S with 1,000 articles and 10,000 comments, L with
100,000 articles and 1,000,000 comments (the same ten comments an article on
average, a fifth of them replies, 1 % pending), 20 authors, the demo's
categories and tags (bench/_dataset.py), six related articles each (of its
category, picked at random: the page reads the stored list as it reads one
that `flask cms tick` scored). Bodies are real rendered Markdown
from the demo corpus (a pool of 2,000 rendered once and reused: the body's
size, not its uniqueness, is what a page costs).

Measured in process with the Flask test client (the app as gunicorn runs it,
production config; no HTTP), alternating S and L request by request, the
median of each:

- the article page (a random article each time),
- the home page,
- a category page (the largest category),
- the moderation queue's first page (a logged-in editor, pending tab).

Prints each page's medians and the ratio L ÷ S (goal ≤ 1.5).

    .venv/bin/python bench/scale.py                       # 1,000 vs 100,000
    .venv/bin/python bench/scale.py --large 20000 --large-comments 200000
    .venv/bin/python bench/scale.py --smoke               # 200 vs 2,000
    .venv/bin/python bench/scale.py --keep /tmp/scale     # keep (and reuse) them
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import fill_unset  # also puts the repository root on sys.path
from _dataset import (
    AUTHORS,
    CATEGORIES,
    _slugs,
    _upgrade_schema,
    load_corpus,
    make_markdown,
    render_all,
)

GOAL = 1.5
EDITOR = "scale-editor"
PASSWORD = "scale editor password 2026"
BODY_POOL = 2000
HELD_REASONS = '[{"code": "first_comment", "params": {}}]'
BATCH = 20_000
NAMES = ["林清", "陈小雨", "周远航", "老王", "张晓明", "李思远", "王海燕", "赵一鸣"]
PHRASES = [
    "写得很好，谢谢分享。", "请问这个方法现在还适用吗？",
    "我上个月也遇到了同样的问题。", "楼主说得对，补充一点：",
    "收藏了，回头慢慢看。", "有没有更详细的步骤？",
    "逾期三天会不会上征信？", "按照文章做了，已经解决。",
]  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it run?")
    parser.add_argument("--small", type=int, help="articles of S (1000)")
    parser.add_argument("--small-comments", type=int, help="comments of S (10000)")
    parser.add_argument("--large", type=int, help="articles of L (100000)")
    parser.add_argument("--large-comments", type=int, help="comments of L (1000000)")
    parser.add_argument("--rounds", type=int, help="timed requests of each page (60)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--keep", type=Path, help="build in (and reuse from) here")
    args = parser.parse_args(argv)
    defaults = (
        dict(small=200, small_comments=2000, large=2000, large_comments=20000, rounds=8)
        if args.smoke
        else dict(
            small=1000,
            small_comments=10_000,
            large=100_000,
            large_comments=1_000_000,
            rounds=60,
        )
    )
    fill_unset(args, defaults)
    return args


# -- building -------------------------------------------------------------------


def _when(moment: datetime) -> str:
    """A UTC time as SQLAlchemy stores it in SQLite (naive ISO text)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _bodies(rng: random.Random, corpus) -> list[tuple[str, tuple, str, object]]:
    """(source, body columns, summary, doc): the columns as _insert_articles
    takes them (body_html, reading words and minutes, the TOC as JSON)."""
    docs = [rng.choice(corpus.docs) for _ in range(BODY_POOL)]
    sources = [make_markdown(rng, corpus, doc) for doc in docs]
    rendered = render_all(sources)
    return [
        (source, _body_values(body), summary, doc)
        for source, (body, summary), doc in zip(sources, rendered, docs, strict=True)
    ]


def _body_values(body: dict) -> tuple:
    return (
        body["body_html"],
        body["reading_words"],
        body["reading_minutes"],
        json.dumps(body["toc"], ensure_ascii=False),
    )


def build(path: Path, articles: int, comments: int, seed: int) -> float:
    """Migrate `path` and fill it; the seconds the rows took (after the
    schema)."""
    from cms.models import new_public_id

    logging.disable(logging.INFO)
    try:
        _upgrade_schema(path)
    finally:
        logging.disable(logging.NOTSET)
    started = time.perf_counter()
    rng = random.Random(seed)
    corpus = load_corpus()
    pool = _bodies(rng, corpus)
    now = datetime.now(UTC)
    old = _when(now - timedelta(days=4 * 365))
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO users (id, username, display_name, password_hash, role, active,"
        " bio, session_version, created_at) VALUES (?, ?, ?, NULL, 'contributor', 1,"
        " '', 1, ?)",
        [(i, f"author{i:02d}", name, old) for i, name in enumerate(AUTHORS, 1)],
    )
    names = [name for name, _ in CATEGORIES]
    db.executemany(
        "INSERT INTO categories (id, name, slug, description, parent_id, position,"
        " created_at) VALUES (?, ?, ?, '', ?, 0, ?)",
        [
            (i, name, slug, names.index(parent) + 1 if parent else None, old)
            for i, ((name, parent), slug) in enumerate(
                zip(CATEGORIES, _slugs(names), strict=True), 1
            )
        ],
    )
    db.executemany(
        "INSERT INTO tags (id, name, slug, created_at) VALUES (?, ?, ?, ?)",
        [
            (i, name, slug, old)
            for i, (name, slug) in enumerate(
                zip(corpus.tags, _slugs(corpus.tags), strict=True), 1
            )
        ],
    )
    db.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES ('site.name', ?, ?)",
        ("资源分享网", old),
    )
    category_ids = {name: i for i, name in enumerate(names, 1)}
    tag_ids = {name: i for i, name in enumerate(corpus.tags, 1)}
    published: list[datetime] = []
    in_category: dict[int, list[int]] = {}
    rows, links = [], []
    span = max(3 * 365 * 86400, articles * 60)
    for i in range(1, articles + 1):
        source, body, summary, doc = pool[i % len(pool)]
        when = now - timedelta(seconds=rng.randint(3600, span))
        published.append(when)
        category = doc.category if rng.random() > 0.15 else rng.choice(names)
        in_category.setdefault(category_ids[category], []).append(i)
        rows.append((
            i, new_public_id(), doc.title, source, *body, summary, _when(when),
            rng.randint(1, len(AUTHORS)), category_ids[category],
            rng.randint(0, 5000), _when(when - timedelta(minutes=5)),
            _when(when + timedelta(minutes=rng.randint(0, 60))),
        ))  # fmt: skip
        for tag in dict.fromkeys(doc.tags):
            links.append((i, tag_ids[tag]))
        if len(rows) >= BATCH:
            _insert_articles(db, rows)
            rows = []
    _insert_articles(db, rows)
    db.executemany("INSERT INTO article_tags (article_id, tag_id) VALUES (?, ?)", links)
    _insert_related(db, rng, in_category)
    # Comments in time order (ids grow with created_at, as on a real site).
    times = sorted(
        (
            (published[a - 1] + timedelta(seconds=rng.randint(60, 30 * 86400)), a)
            for a in (rng.randint(1, articles) for _ in range(comments))
        ),
        key=lambda pair: pair[0],
    )
    last_of: dict[int, int] = {}
    batch = []
    for cid, (when, article) in enumerate(times, 1):
        roll = rng.random()
        status = "pending" if roll < 0.01 else "approved"
        parent = last_of.get(article) if roll > 0.8 and status == "approved" else None
        who = rng.randrange(40_000)
        batch.append((
            cid, article, parent, f"{rng.choice(NAMES)}{who % 100}",
            f"reader{who}@example.cn", rng.choice(PHRASES), status,
            HELD_REASONS if status == "pending" else "[]",
            f"10.{who % 250}.{who // 250 % 250}.7", _when(min(when, now)),
        ))  # fmt: skip
        if status == "approved":
            last_of[article] = cid
        if len(batch) >= BATCH:
            _insert_comments(db, batch)
            batch = []
    _insert_comments(db, batch)
    db.execute(
        "UPDATE articles SET comment_count = (SELECT count(*) FROM comments c"
        " WHERE c.article_id = articles.id AND c.status = 'approved')"
    )
    db.execute("DELETE FROM comment_tallies")
    db.execute(
        "INSERT INTO comment_tallies (status, count) SELECT status, count(*)"
        " FROM comments GROUP BY status"
    )
    db.commit()
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - started


def _insert_articles(db: sqlite3.Connection, rows: list[tuple]) -> None:
    db.executemany(
        "INSERT INTO articles (id, public_id, title, body_markdown, body_html,"
        " reading_words, reading_minutes, toc,"
        " excerpt, summary, status, published_at, owner_id, contributor,"
        " category_id, allow_comments, show_tip, tip_opens, version, review_note,"
        " view_count, comment_count, created_at, updated_at) VALUES (?, ?, ?, ?, ?,"
        " ?, ?, ?, '', ?, 'published', ?, ?, '', ?, 1, 1, 0, 1, '', ?, 0, ?, ?)",
        rows,
    )


def _insert_related(
    db: sqlite3.Connection, rng: random.Random, in_category: dict[int, list[int]]
) -> None:
    """Every article's related list as `flask cms tick` leaves one: SHOWN
    others, stored by position (here picked at random from its category, not
    scored: bench/related.py measures the scoring; the page reads the list
    the same way)."""
    from cms.services.related.lists import SHOWN

    rows = []
    for ids in in_category.values():
        for article in ids:
            picks = rng.sample(ids, min(len(ids), SHOWN + 1))
            others = [other for other in picks if other != article][:SHOWN]
            rows.extend(
                (article, position, other, 1.0 / (position + 1))
                for position, other in enumerate(others)
            )
    db.executemany(
        "INSERT INTO related_articles (article_id, position, related_id, score,"
        " kind) VALUES (?, ?, ?, ?, 'score')",
        rows,
    )


def _insert_comments(db: sqlite3.Connection, rows: list[tuple]) -> None:
    db.executemany(
        "INSERT INTO comments (id, article_id, parent_id, type, author_name,"
        " author_email, author_url, body, status, reasons, ip, user_agent,"
        " created_at) VALUES (?, ?, ?, 'comment', ?, ?, '', ?, ?, ?, ?,"
        " 'Mozilla/5.0 (Linux; Android 14) Mobile', ?)",
        rows,
    )


def site(directory: Path, name: str, articles: int, comments: int, seed: int) -> Path:
    path = directory / f"scale-{articles}-{comments}.sqlite"
    if path.exists():
        print(f"  {name}: {articles:,} articles, {comments:,} comments (kept: {path})")
        return path
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    took = build(building, articles, comments, seed)
    building.rename(path)
    size = path.stat().st_size / 1e6
    print(
        f"  {name}: {articles:,} articles, {comments:,} comments generated in "
        f"{took:.1f} s ({size:.0f} MB)"
    )
    return path


# -- measuring -------------------------------------------------------------------


class Site:
    """The app on one database, a reader's client and a logged-in editor's."""

    def __init__(self, path: Path) -> None:
        from sqlalchemy import func, select

        from cms import create_app
        from cms.extensions import db
        from cms.models import Article, Category, Role, User
        from cms.services.users import create_user

        self.app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                "TESTING": False,
                "MENU_CACHE_SECONDS": 2,
                "LIST_COUNT_SECONDS": 60,
                "PASSWORD_HASH_CHEAP": True,
                "RATELIMIT_ENABLED": False,
                "VIEW_FLUSH_THREAD": False,
            }
        )
        with self.app.app_context():
            if (
                db.session.scalar(select(User.id).where(User.username == EDITOR))
                is None
            ):
                create_user(EDITOR, Role.EDITOR, PASSWORD, "值班编辑")
            self.public_ids = list(db.session.scalars(select(Article.public_id)))
            biggest = db.session.execute(
                select(Category.slug)
                .join(Article, Article.category_id == Category.id)
                .group_by(Category.slug)
                .order_by(func.count().desc())
                .limit(1)
            ).scalar_one()
            self.category = f"/category/{biggest}/"
            db.session.remove()
        self.reader = self.app.test_client()
        self.editor = self.app.test_client()
        answer = self.editor.post(
            "/auth/login", data={"username": EDITOR, "password": PASSWORD}
        )
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"login failed: {answer.status_code}")

    def path(self, page: str, rng: random.Random) -> str:
        if page == "article":
            return f"/{rng.choice(self.public_ids)}.html"
        return {
            "home": "/",
            "category": self.category,
            "queue": "/moderation/comments?status=pending",
        }[page]

    def time(self, page: str, rng: random.Random) -> float:
        client = self.editor if page == "queue" else self.reader
        path = self.path(page, rng)
        started = time.perf_counter()
        answer = client.get(path)
        answer.get_data()
        took = time.perf_counter() - started
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path}: {answer.status_code}")
        return took


PAGES = ["article", "home", "category", "queue"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cms-scale-") as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        print("generating (timed apart from the measurement):")
        small = site(directory, "S", args.small, args.small_comments, args.seed)
        large = site(directory, "L", args.large, args.large_comments, args.seed + 1)
        sites = {"S": Site(small), "L": Site(large)}
        rng = random.Random(args.seed)
        times: dict[tuple[str, str], list[float]] = {}
        warmup = 3
        for page in PAGES:
            for n in range(warmup + args.rounds):
                for name, one in sites.items():  # S and L take turns
                    took = one.time(page, rng)
                    if n >= warmup:
                        times.setdefault((name, page), []).append(took)
        print(
            f"\n{args.rounds} timed requests of each (after {warmup} warm-up), "
            "Flask test client, medians:"
        )
        print(f"{'page':<10} {'S ms':>8} {'L ms':>8} {'L ÷ S':>7}  goal ≤ {GOAL}")
        worst = 0.0
        for page in PAGES:
            s = statistics.median(times[("S", page)]) * 1000
            big = statistics.median(times[("L", page)]) * 1000
            ratio = big / s
            worst = max(worst, ratio)
            mark = "ok" if ratio <= GOAL else "OVER"
            print(f"{page:<10} {s:8.2f} {big:8.2f} {ratio:7.2f}  {mark}")
        print(
            f"S = {args.small:,} articles / {args.small_comments:,} comments, "
            f"L = {args.large:,} / {args.large_comments:,}; worst ratio {worst:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
