#!/usr/bin/env python3
"""Readers' pages under real load, side by side in one run: gunicorn
(2 workers, SQLite) over a generated site of 10,000 articles and 200,000
comments, wrk taking turns over every target in short rounds.

Targets:
  bare            a bare Flask app answering "ok" (bench/bare_app.py), the
                  same gunicorn settings: the reference
  healthz         the CMS's /healthz
  article         article pages, random ids among the WORKING_SET most read
                  (1,000), page cache on and warm: each of them answered
                  HIT by every worker before the runs (10,000 pages of
                  ~40 KB would not fit the default 64 MB per worker)
  home            the home page, cache on
  category        the largest category's page, cache on
  article-nocache article pages, random ids among all, page cache off
                  (PAGE_CACHE=0)
  home-nocache    the home page with the page cache off
  nginx-article   the same working set through nginx, from the page store (when
                  /usr/sbin/nginx exists; deploy/nginx/cms.conf)
  nginx-static    a static file through nginx, the reference for the above

Prints requests/s and p99 of each, then the ratios the issue judges:
cached article, home and category >= 1.0 x healthz and >= 0.5 x bare;
uncached article and home >= 0.25 x healthz; nginx-article >= 0.5 x
nginx-static. Exit status 0 whether or not the goals are met (it is a
measurement); 1 when a response was not 2xx/3xx or a server or wrk failed.

    .venv/bin/python bench/pages.py               # 10,000 articles, 3 x 8 s
    .venv/bin/python bench/pages.py --smoke       # 200 articles, 1 x 2 s
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from pathlib import Path

from _common import (
    RESULTS,
    Server,
    Target,
    add_load_options,
    fill_unset,
    free_port,
    measure_targets,
    report_ratios,
    run_main,
    tools_missing,
)
from _dataset import cache_key
from _nginx import NGINX, Nginx, nginx_config
from scale import site as build_site

GOALS = [
    ("article", "healthz", 1.0), ("home", "healthz", 1.0),
    ("category", "healthz", 1.0),
    ("article", "bare", 0.5), ("home", "bare", 0.5), ("category", "bare", 0.5),
    ("article-nocache", "healthz", 0.25), ("home-nocache", "healthz", 0.25),
    ("nginx-article", "nginx-static", 0.5),
]  # fmt: skip
STATIC_FILE = "/static/css/site.css"
WORKING_SET = 1_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, help="articles (default 10000)")
    parser.add_argument("--comments", type=int, help="comments (default 200000)")
    add_load_options(parser)
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument(
        "--cache-dir", type=Path, default=RESULTS, help="where databases are kept"
    )
    parser.add_argument("--no-nginx", action="store_true", help="skip nginx targets")
    parser.add_argument(
        "--smoke", action="store_true", help="200 articles, 1 round of 2 s"
    )
    args = parser.parse_args(argv)
    fill_unset(
        args,
        dict(articles=200, comments=2_000, duration=2, rounds=1, warmup=0)
        if args.smoke
        else dict(articles=10_000, comments=200_000, duration=8, rounds=3, warmup=3),
    )
    if min(args.articles, args.rounds, args.duration, args.connections) < 1:
        parser.error("--articles, --rounds, --duration, --connections must be >= 1")
    return args


def site_database(args: argparse.Namespace) -> Path:
    """The generated site, kept under --cache-dir for as long as the schema
    and the generator stay the same (bench/scale.py builds it)."""
    folder = args.cache_dir / f"pages-{cache_key(args.articles)}"
    if args.fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return build_site(folder, "site", args.articles, args.comments, seed=20241211)


def write_paths(database: Path, workdir: Path) -> dict[str, Path]:
    """One file of request paths per kind of page."""
    with closing(sqlite3.connect(database)) as conn:
        ids = [row[0] for row in conn.execute("SELECT public_id FROM articles")]
        category = conn.execute(
            "SELECT c.slug FROM categories c JOIN articles a ON a.category_id = c.id"
            " GROUP BY c.id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
    most_read = random.Random(20241211).sample(ids, min(WORKING_SET, len(ids)))
    lines = {
        "root": ["/"],
        "healthz": ["/healthz"],
        "article": [f"/{public_id}.html" for public_id in most_read],
        "article-all": [f"/{public_id}.html" for public_id in ids],
        "category": [f"/category/{category}/"],
        "static": [STATIC_FILE],
    }
    files = {}
    for name, paths in lines.items():
        files[name] = workdir / f"{name}.txt"
        files[name].write_text("".join(f"{path}\n" for path in paths))
    print(
        f"paths: {len(most_read)} of {len(ids)} article pages cached (random per "
        f"request), all {len(ids)} uncached, /category/{category}/"
    )
    return files


def warm_cache(url: str, paths_file: Path, workers: int) -> None:
    """Request every path until a whole pass answers HIT for each one, every
    worker included (a new connection per request, so the workers take
    turns); at most 8 passes (then say how many still missed)."""
    paths = paths_file.read_text().split()
    started = time.monotonic()

    def state(path: str) -> str:
        with urllib.request.urlopen(url + path, timeout=60) as response:
            return response.headers.get("X-Cache", "")

    passes, missed = 0, len(paths)
    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        while missed and passes < 8:
            passes += 1
            tries = [p for p in paths for _ in range(2 * workers)]
            missed = sum(s != "HIT" for s in pool.map(state, tries))
    print(
        f"cache warm: {len(paths)} pages, {passes} passes, {missed} misses in the last "
        f"({time.monotonic() - started:.0f} s)"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if tools_missing():
        return 1
    with_nginx = NGINX.exists() and not args.no_nginx
    print(
        f"pages: {args.articles} articles, {args.comments} comments, {args.rounds} x "
        f"{args.duration} s each, wrk -t{args.threads} -c{args.connections}, "
        f"gunicorn --workers {args.workers}, {os.cpu_count()} CPUs (shared by wrk "
        f"and the servers){'' if with_nginx else '; no nginx'}"
    )
    kept = site_database(args)
    with (
        tempfile.TemporaryDirectory(prefix="cms-bench-pages-") as tmp,
        ExitStack() as stack,
    ):
        workdir = Path(tmp)
        database = workdir / "site.sqlite"  # the servers write views: a copy
        shutil.copyfile(kept, database)
        paths = write_paths(database, workdir)
        store, media = workdir / "store", workdir / "media"
        media.mkdir()
        quiet = {"LOG_LEVEL": "WARNING", "RELATED_MODE": "tick"}

        def serve(name: str, **kwargs) -> Server:
            server = Server(database, args.workers, workdir / f"{name}.log", **kwargs)
            stack.enter_context(server)
            print(f"server {name}: {server.url}")
            return server

        bare = serve("bare", app="bare_app:app", health="/")
        # The runs outlast the default 5-minute lifetime of an entry (a safety
        # net: events drop what changed); warm must stay warm while measured.
        cms = serve("cms", env=quiet | {"PAGE_STORE": str(store),
                                        "MEDIA_URL": f"file://{media}",
                                        "PAGE_CACHE_SECONDS": "3600"})  # fmt: skip
        nocache = serve("nocache", env=quiet | {"PAGE_CACHE": "0"})
        targets = [
            Target("bare", bare.url, paths["root"], bare.settle),
            Target("healthz", cms.url, paths["healthz"], cms.settle),
            Target("article", cms.url, paths["article"], cms.settle),
            Target("home", cms.url, paths["root"], cms.settle),
            Target("category", cms.url, paths["category"], cms.settle),
            Target(
                "article-nocache", nocache.url, paths["article-all"], nocache.settle
            ),
            Target("home-nocache", nocache.url, paths["root"], nocache.settle),
        ]
        if with_nginx:
            port = free_port()
            config = nginx_config(workdir, port, cms.port, store, media)
            nginx = stack.enter_context(Nginx(config, port))
            targets += [
                Target("nginx-article", nginx.url, paths["article"], cms.settle),
                Target("nginx-static", nginx.url, paths["static"], cms.settle),
            ]
        try:
            warm_cache(cms.url, paths["article"], args.workers)
            results = measure_targets(args, targets)
        except RuntimeError as exc:
            print(f"error: {exc}")
            return 1
    goals = [g for g in GOALS if with_nginx or not g[0].startswith("nginx")]
    return report_ratios(results, goals)


if __name__ == "__main__":
    run_main(main)
