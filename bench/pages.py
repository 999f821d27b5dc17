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
import signal
import sqlite3
import statistics
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from _common import RESULTS, WRK, Server, WrkResult, run_wrk, venv_bin
from _dataset import cached_database

GOAL = 0.2
KINDS = ("healthz", "article")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, help="articles (default 10000)")
    parser.add_argument("--duration", type=int, help="seconds a round (default 10)")
    parser.add_argument("--rounds", type=int, help="rounds of each (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="default 16")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--warmup", type=int, help="seconds of each first (2)")
    parser.add_argument(
        "--timeout",
        type=int,
        default=10,
        help="wrk: seconds before a request counts as lost (10)",
    )
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


def describe(result: WrkResult) -> str:
    errors = sum(result.socket_errors.values())
    extra = f"  non-2xx={result.non_2xx}" if result.non_2xx else ""
    extra += f"  socket errors={result.socket_errors}" if errors else ""
    return (
        f"rps={result.rps:9.1f}  p50={result.p50_ms:7.2f} ms  "
        f"p99={result.p99_ms:7.2f} ms  n={result.requests}{extra}"
    )


def measure(args: argparse.Namespace, server: Server, paths: dict[str, Path]):
    """Warm both up, then alternate healthz, article, healthz, article ..."""

    def load(kind: str, seconds: int) -> WrkResult:
        server.settle()
        return run_wrk(
            server.url,
            paths[kind],
            seconds,
            args.connections,
            args.threads,
            args.timeout,
        )

    if args.warmup > 0:
        for kind in KINDS:
            load(kind, args.warmup)
    results: dict[str, list[WrkResult]] = {kind: [] for kind in KINDS}
    for n in range(1, args.rounds + 1):
        for kind in KINDS:
            result = load(kind, args.duration)
            results[kind].append(result)
            print(f"round {n}/{args.rounds}  {kind:<8} {describe(result)}", flush=True)
    return results


def report(results: dict[str, list[WrkResult]]) -> int:
    """Print the summary table; 1 when any response was not 2xx/3xx or a kind
    got no answer at all (then there is no ratio to give)."""
    summary = {}
    for kind, runs in results.items():
        requests = sum(r.requests for r in runs)
        seconds = sum(r.seconds for r in runs)
        summary[kind] = (
            requests / seconds,
            statistics.median(r.p99_ms for r in runs),
            max(r.p99_ms for r in runs),
        )
    print()
    print("summary (rps over all rounds; p99 = median of rounds, worst in brackets)")
    for kind, (rps, p99, worst) in summary.items():
        print(f"  {kind:<8} rps={rps:9.1f}  p99={p99:7.2f} ms  [{worst:.2f} ms]")
    failed = 0
    if summary["healthz"][0] > 0 and summary["article"][0] > 0:
        ratio = summary["article"][0] / summary["healthz"][0]
        verdict = "MET" if ratio >= GOAL else "NOT MET"
        print(f"  ratio article/healthz = {ratio:.3f} (goal >= {GOAL}) {verdict}")
    else:
        print("FAIL: a page got no answer at all; no ratio")
        failed = 1
    for kind, runs in results.items():
        non_2xx = sum(r.non_2xx for r in runs)
        lost = {
            name: sum(r.socket_errors[name] for r in runs)
            for name in runs[0].socket_errors
        }
        if non_2xx:
            print(f"FAIL: {non_2xx} {kind} responses were not 2xx or 3xx")
            failed = 1
        if any(lost.values()):
            print(
                f"warning: {kind} socket errors {lost} (timeout = no answer within "
                "--timeout; such requests are not in rps or p99)"
            )
    return failed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in (WRK, venv_bin("gunicorn")):
        if not tool.exists():
            print(f"error: {tool} is missing", file=sys.stderr)
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
        with Server(database, args.workers, workdir / "gunicorn.log") as server:
            print(f"server: {' '.join(server.command)} at {server.url}")
            try:
                results = measure(args, server, paths)
            except RuntimeError as exc:
                print(f"error: {exc}\n--- server log ---\n{server.log_tail()}")
                return 1
        return report(results)


def _terminate(signum, _frame):
    raise KeyboardInterrupt  # unwind through the `with` blocks: server stopped


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
