#!/usr/bin/env python3
"""How the page cache keeps the article page's view count within 15 s
(INTERFACE.md): a short lifetime for the article's entry (10 s), or a long
one plus a small script fetching the count (a second request per view).

Measures in process (Flask test client, production config, the bench
database) the time of an article page rendered (a miss), answered from the
cache (a hit) and of the cheapest request that reads one row through Flask
(`/healthz`, a stand-in for the count fetch), view counting left out of all
three (it costs the same either way). Then, for readers spread evenly over
the articles at a given rate, prints the cost per view of each choice:

    short:  h(10 s)·hit + (1 − h(10 s))·miss
    script: h(300 s)·hit + (1 − h(300 s))·miss + fetch

where h(T) = 1 − e^(−T·rate/articles) is the chance that an article was
read in the last T seconds (Poisson arrivals).

    .venv/bin/python bench/count_lag.py [--articles 10000] [--requests 300]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import secrets
import shutil
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path

from _common import RESULTS
from _dataset import cached_database

RATES = (10, 100, 1000, 5000)  # page views per second, over the whole site


def _per_request(client, paths: list[str]) -> float:
    started = time.perf_counter()
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
    return (time.perf_counter() - started) / len(paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cache-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="cms-bench-count-lag-") as tmp:
        database = Path(tmp) / "site.sqlite"
        os.environ.update(
            DATABASE_URL=f"sqlite:///{database}",
            CMS_CONFIG="production",
            SECRET_KEY=secrets.token_urlsafe(48),
            SITE_URL="http://127.0.0.1:5000",
            PAGE_CACHE_SYNC_FILE=str(Path(tmp) / "sync"),
        )
        shutil.copyfile(cached_database(args.articles, args.cache_dir, False), database)
        with closing(sqlite3.connect(database)) as conn:
            ids = [row[0] for row in conn.execute("SELECT public_id FROM articles")]

        import cms.pagecache.middleware as middleware
        import cms.public.views as public_views
        from cms import create_app

        # Counting costs the same whichever way the count is shown.
        middleware.count_cached_view = lambda public_id, user_agent: None
        public_views.count_view = lambda public_id: None

        paths = [f"/{i}.html" for i in random.Random(7).sample(ids, args.requests)]
        cached = create_app()
        client = cached.test_client()
        miss = _per_request(client, paths)  # first time each: rendered
        hit = _per_request(client, paths)  # warm
        fetch = _per_request(client, ["/healthz"] * args.requests)

    print(f"{args.articles} articles, {args.requests} requests each, in process:")
    print(f"  miss (rendered)   {miss * 1e3:7.2f} ms")
    print(f"  hit               {hit * 1e3:7.2f} ms   ({miss / hit:.0f}x faster)")
    print(f"  count fetch       {fetch * 1e3:7.2f} ms   (/healthz stand-in)")
    print("cost per view (ms): short lifetime 10 s | 300 s + count script")
    for rate in RATES:

        def seen(seconds: float, rate: int = rate) -> float:
            return 1 - math.exp(-seconds * rate / args.articles)

        short = seen(10) * hit + (1 - seen(10)) * miss
        script = seen(300) * hit + (1 - seen(300)) * miss + fetch
        better = "short" if short <= script else "script"
        print(
            f"  {rate:5d} views/s: {short * 1e3:6.2f} | {script * 1e3:6.2f}"
            f"   -> {better}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
