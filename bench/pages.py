#!/usr/bin/env python3
"""Article pages against /healthz under real load: gunicorn (2 workers, SQLite)
over a generated database, wrk alternating between the two in short rounds.

Prints requests/s and p99 latency of each and the ratio article / healthz
(goal: >= 0.2). Exit status 0 whether or not the goal is met (it is a
measurement); 1 when a response was not 2xx/3xx or the server or wrk failed.

    .venv/bin/python bench/pages.py               # 10,000 articles, 3 x 10 s
    .venv/bin/python bench/pages.py --smoke       # 200 articles, 1 x 2 s
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from _common import RESULTS, add_load_options, compare, run_main, tools_missing
from _dataset import cached_database

GOAL = 0.2
KINDS = ("healthz", "article")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, help="articles (default 10000)")
    add_load_options(parser)
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument(
        "--cache-dir", type=Path, default=RESULTS, help="where databases are cached"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="200 articles, 1 round of 2 s"
    )
    args = parser.parse_args(argv)
    defaults = (200, 2, 1, 0) if args.smoke else (10_000, 10, 3, 2)
    for name, value in zip(
        ("articles", "duration", "rounds", "warmup"), defaults, strict=True
    ):
        if getattr(args, name) is None:
            setattr(args, name, value)
    if min(args.articles, args.rounds, args.duration, args.connections) < 1:
        parser.error("--articles, --rounds, --duration, --connections must be >= 1")
    return args


def write_paths(database: Path, workdir: Path) -> dict[str, Path]:
    """One file of request paths per kind: /healthz, and every article page."""
    with closing(sqlite3.connect(database)) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT public_id FROM articles WHERE status = 'published'"
            )
        ]
    files = {"healthz": workdir / "healthz.txt", "article": workdir / "articles.txt"}
    files["healthz"].write_text("/healthz\n")
    files["article"].write_text("".join(f"/{public_id}.html\n" for public_id in ids))
    print(f"paths: /healthz and {len(ids)} article pages (random per request)")
    return files


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if tools_missing():
        return 1
    print(
        f"pages: {args.articles} articles, {args.rounds} x {args.duration} s each, "
        f"wrk -t{args.threads} -c{args.connections}, gunicorn --workers "
        f"{args.workers}, {os.cpu_count()} CPUs (shared by wrk and the server)"
    )
    cached = cached_database(args.articles, args.cache_dir, args.fresh)
    with tempfile.TemporaryDirectory(prefix="cms-bench-pages-") as tmp:
        workdir = Path(tmp)
        # The server writes (view counts): run on a copy, keep the cache pristine.
        database = workdir / "site.sqlite"
        shutil.copyfile(cached, database)
        paths = write_paths(database, workdir)
        return compare(args, database, workdir, paths, KINDS, GOAL, noun="page")


if __name__ == "__main__":
    run_main(main)
