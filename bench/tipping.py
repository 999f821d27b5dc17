#!/usr/bin/env python3
"""The tip box's QR images: the time to draw one QR SVG, and requests/s for a
cached QR image against /healthz under real load (gunicorn, 2 workers, SQLite
with the demo site; wrk alternating between the two in short rounds).

Prints the median (and p95) milliseconds per SVG drawn with segno, then the
requests/s and p99 of each URL and the ratio qr / healthz (goal: >= 0.9).
wrk sends no If-None-Match: every request gets the whole SVG (the view keeps
it in memory; what it still does per request is one query checking that the
link is still in use). Exit status 0 whether or not the goal is met; 1 when a
response was not 2xx/3xx or the server or wrk failed.

    .venv/bin/python bench/tipping.py            # 3 rounds x 10 s
    .venv/bin/python bench/tipping.py --smoke    # 1 round x 2 s
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import (
    ROOT,
    add_load_options,
    compare,
    fill_unset,
    run_main,
    tools_missing,
)

GOAL = 0.9
KINDS = ("healthz", "qr")
# Typical payloads: WeChat's wxp:// code and an Alipay qr.alipay.com link,
# and the longest link the CMS accepts.
SAMPLE_LINKS = (
    "wxp://f2f0K5Y2abcdefghijklmnopqrstuvwxyz012",
    "https://qr.alipay.com/fkx12345abcdefghijklmn",
    "https://qr.alipay.com/" + "a" * (512 - len("https://qr.alipay.com/")),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=300, help="SVGs timed (300)")
    add_load_options(parser)
    parser.add_argument("--smoke", action="store_true", help="1 round of 2 s")
    args = parser.parse_args(argv)
    fill_unset(
        args,
        dict(duration=2, rounds=1, warmup=0)
        if args.smoke
        else dict(duration=10, rounds=3, warmup=2),
    )
    if min(args.rounds, args.duration, args.connections, args.draws) < 1:
        parser.error("--rounds, --duration, --connections, --draws must be >= 1")
    return args


def time_drawing(draws: int) -> None:
    """Median and p95 ms of cms.services.tipping.qr_svg, per sample link."""
    from cms.services.tipping import qr_svg

    print(f"drawing: qr_svg (segno, error M, quiet zone 4), {draws} draws per link")
    for link in SAMPLE_LINKS:
        qr_svg(link)  # imports and tables warmed
        times = []
        for _ in range(draws):
            started = time.perf_counter()
            svg = qr_svg(link)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        shown = link if len(link) < 50 else f"{link[:30]}... ({len(link)} chars)"
        print(
            f"  {shown:<50} median={statistics.median(times):6.3f} ms  "
            f"p95={p95:6.3f} ms  svg={len(svg)} bytes"
        )


def build_site(database: Path) -> list[str]:
    """The demo site on a migrated SQLite file; returns its QR image paths."""
    import flask_migrate

    from cms import create_app
    from cms.extensions import db
    from cms.services.demo import seed_demo
    from cms.services.settings import get_setting
    from cms.services.tipping import qr_key

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        seed_demo()
        links = [get_setting("tipping.wechat"), get_setting("tipping.alipay")]
        db.engine.dispose()
    return [f"/tip/{qr_key(link)}.svg" for link in links if link]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    time_drawing(args.draws)
    if tools_missing():
        return 1
    print(
        f"\nserving: {args.rounds} x {args.duration} s each, wrk -t{args.threads} "
        f"-c{args.connections}, gunicorn --workers {args.workers}, "
        f"{os.cpu_count()} CPUs (shared by wrk and the server)"
    )
    with tempfile.TemporaryDirectory(prefix="cms-bench-tipping-") as tmp:
        workdir = Path(tmp)
        database = workdir / "site.sqlite"
        qr_paths = build_site(database)
        paths = {"healthz": workdir / "healthz.txt", "qr": workdir / "qr.txt"}
        paths["healthz"].write_text("/healthz\n")
        paths["qr"].write_text("".join(f"{p}\n" for p in qr_paths))
        print(f"paths: /healthz and {', '.join(qr_paths)} (random per request)")
        return compare(args, database, workdir, paths, KINDS, GOAL, noun="URL")


if __name__ == "__main__":
    run_main(main)
