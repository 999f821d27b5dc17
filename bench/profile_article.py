#!/usr/bin/env python3
"""Where an article page's time goes: cProfile and the SQL it runs, in
process (Flask test client, production config) on the database bench/pages.py
uses. Prints; changes nothing but a throwaway copy of the database.

    .venv/bin/python bench/profile_article.py [--articles 10000] [--requests 20]
    .venv/bin/python bench/profile_article.py --path /   # another page instead

The database is pages.py's (its articles and comments: `--comments`, 200,000
by default), so the profile is of the pages pages.py measures; `--comments 0`
profiles the smaller site without comments (bench/_dataset.py).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import closing
from pathlib import Path

from _common import RESULTS
from _dataset import cache_key, cached_database
from scale import site as build_site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    parser.add_argument("--path", help="profile this page (default: random articles)")
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--cache-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="cms-bench-profile-") as tmp:
        database = Path(tmp) / "site.sqlite"
        # config.py reads the environment when first imported: set it first.
        os.environ.update(
            DATABASE_URL=f"sqlite:///{database}",
            CMS_CONFIG="production",
            SECRET_KEY=secrets.token_urlsafe(48),
            SITE_URL="http://127.0.0.1:5000",
            LOG_LEVEL="WARNING",
            RELATED_MODE="tick",  # as pages.py serves it
        )
        if args.comments:
            folder = args.cache_dir / f"pages-{cache_key(args.articles)}"
            folder.mkdir(parents=True, exist_ok=True)
            cached = build_site(
                folder, "site", args.articles, args.comments, seed=20241211
            )
        else:
            cached = cached_database(args.articles, args.cache_dir, fresh=False)
        shutil.copyfile(cached, database)
        with closing(sqlite3.connect(database)) as conn:
            ids = [row[0] for row in conn.execute("SELECT public_id FROM articles")]
        from sqlalchemy import event

        from cms import create_app
        from cms.extensions import db

        app = create_app()
        sql: dict[str, list[float]] = defaultdict(list)
        with app.app_context():
            engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _start(conn, cursor, statement, parameters, context, executemany):
            conn.info["started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _end(conn, cursor, statement, parameters, context, executemany):
            took = time.perf_counter() - conn.info.pop("started")
            sql[" ".join(statement.split())[:110]].append(took)

        client = app.test_client()
        client.get(f"/{ids[0]}.html")  # templates compiled, caches warm
        sql.clear()
        paths = [
            args.path or f"/{random.choice(ids)}.html" for _ in range(args.requests)
        ]
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                print(f"error: {path} answered {response.status_code}")
                return 1
        profiler.disable()
        took = (time.perf_counter() - started) / len(paths)
        print(f"\n{len(paths)} pages: {took * 1000:.1f} ms each (profiled)\n")
        print("SQL per page: count  total ms  statement")
        for statement, times in sorted(sql.items(), key=lambda kv: -sum(kv[1])):
            count = len(times) / len(paths)
            total = sum(times) * 1000 / len(paths)
            print(f"  {count:12.1f}  {total:8.2f}  {statement}")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.strip_dirs().sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        with app.app_context():
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
