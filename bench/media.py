#!/usr/bin/env python3
"""Article images: what one upload costs, and how fast a stored size is served.

1. Processing: one 12-megapixel JPEG (4000 x 3000, gradients and blurred grain, EXIF
   with GPS and an orientation) through cms.services.media_library.store_upload
   -- check, decode, orientation, metadata dropped, the cleaned original and
   480/960/1600 px as WebP and JPEG, stored on disk. Each round runs in a
   fresh child process, which reports the seconds and its peak resident
   memory (ru_maxrss) before and after: the difference is what the upload
   added on top of the loaded app.
2. Serving: gunicorn (2 workers, SQLite, MEDIA_URL on a temporary folder),
   wrk alternating between /healthz and the 480 px WebP of that image
   (`/media/<key>-480.webp`, what a phone loads), in short rounds. Prints
   requests/s and p99 of each and the ratio media / healthz (goal >= 0.9).

Exit status 0 whether or not the goal is met (it is a measurement); 1 when
a response was not 2xx/3xx or the server or wrk failed.

    .venv/bin/python bench/media.py               # 3 uploads, 3 x 10 s of wrk
    .venv/bin/python bench/media.py --smoke       # 1 upload, 1 x 2 s
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    ROOT,
    Server,
    add_load_options,
    fill_unset,
    measure,
    report,
    run_main,
    tools_missing,
)

GOAL = 0.9
KINDS = ("healthz", "media")
SIZE = (4000, 3000)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument("--uploads", type=int, help="processing rounds (default 3)")
    parser.add_argument("--smoke", action="store_true", help="1 upload, 1 x 2 s")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    fill_unset(
        args,
        dict(uploads=1, duration=2, rounds=1, warmup=0)
        if args.smoke
        else dict(uploads=3, duration=10, rounds=3, warmup=2),
    )
    return args


def camera_jpeg(path: Path) -> int:
    """Write a 12 MP JPEG that compresses like a photo (gradients and
    noise) with a GPS position and orientation 6; returns its size."""
    from PIL import Image, ImageFilter

    # Grain blurred a little: a photo's texture, not white noise (which no
    # codec compresses and which would make every encoder look slow).
    noise = Image.effect_noise(SIZE, 32).filter(ImageFilter.GaussianBlur(1.5))
    red = Image.linear_gradient("L").resize(SIZE)
    blue = red.transpose(Image.Transpose.ROTATE_90).resize(SIZE)
    image = Image.merge("RGB", (red, noise, blue))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    path.write_bytes(out.getvalue())
    return len(out.getvalue())


def _app(database: Path, media: Path):
    from cms import create_app
    from cms.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "MEDIA_URL": f"file://{media}",
            "SECRET_KEY": "bench",
            "OUTBOX_THREAD": False,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def child(photo: Path) -> int:
    """One upload in this fresh process; prints a JSON line of figures."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from cms.models import Role
    from cms.services.media_library import store_upload
    from cms.services.users import create_user

    with tempfile.TemporaryDirectory(prefix="cms-bench-media-") as tmp:
        work = Path(tmp)
        app = _app(work / "site.sqlite", work / "media")
        with app.app_context():
            user = create_user("bench", Role.EDITOR, None)
            data = photo.read_bytes()
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            media = store_upload(data, user.id, "photo.jpg").media
            seconds = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            stored = sum(p.stat().st_size for p in (work / "media").rglob("*.*"))
            print(json.dumps({
                "seconds": seconds, "rss_before_kb": before, "rss_peak_kb": after,
                "size": [media.width, media.height], "widths": media.size_list,
                "files": len(list((work / "media").rglob("*.*"))), "stored": stored,
            }))  # fmt: skip
    return 0


def processing(args: argparse.Namespace, photo: Path) -> list[dict]:
    runs = []
    for n in range(1, args.uploads + 1):
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(photo)],
            capture_output=True, text=True, cwd=ROOT, timeout=300,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"upload child failed:\n{done.stdout}{done.stderr}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(figures)
        added = (figures["rss_peak_kb"] - figures["rss_before_kb"]) / 1024
        print(
            f"upload {n}/{args.uploads}  {figures['seconds'] * 1000:7.0f} ms  "
            f"peak RSS {figures['rss_peak_kb'] / 1024:6.1f} MB "
            f"(+{added:.1f} MB over the loaded app)  "
            f"-> {figures['size'][0]}x{figures['size'][1]}, sizes {figures['widths']}, "
            f"{figures['files']} files, {figures['stored'] / 1024:.0f} KB",
            flush=True,
        )
    return runs


def serving(args: argparse.Namespace, work: Path, photo: Path) -> int:
    """Store the photo once, then wrk /healthz against its 480 px WebP."""
    from cms.models import Role
    from cms.services.media_library import store_upload
    from cms.services.users import create_user

    database, media_dir = work / "site.sqlite", work / "media"
    app = _app(database, media_dir)
    with app.app_context():
        user = create_user("bench", Role.EDITOR, None)
        media = store_upload(photo.read_bytes(), user.id, "photo.jpg").media
        path = f"/media/{media.key.rsplit('.', 1)[0]}-480.webp"
    paths = {"healthz": work / "healthz.txt", "media": work / "media.txt"}
    paths["healthz"].write_text("/healthz\n")
    paths["media"].write_text(path + "\n")
    print(f"paths: /healthz and {path}")
    server = Server(database, args.workers, work / "gunicorn.log")
    server.env["MEDIA_URL"] = f"file://{media_dir}"
    with server:
        print(f"server: {' '.join(server.command)} at {server.url}")
        try:
            results = measure(args, server, paths, KINDS)
        except RuntimeError as exc:
            print(f"error: {exc}\n--- server log ---\n{server.log_tail()}")
            return 1
    return report(results, KINDS, GOAL, "media request")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args.child)
    if tools_missing():
        return 1
    with tempfile.TemporaryDirectory(prefix="cms-bench-media-") as tmp:
        work = Path(tmp)
        photo = work / "photo.jpg"
        size = camera_jpeg(photo)
        print(
            f"media: one {SIZE[0]}x{SIZE[1]} JPEG ({size / 1024 / 1024:.1f} MB, "
            f"EXIF GPS + orientation 6), {args.uploads} upload(s) in fresh "
            f"processes; then wrk -t{args.threads} -c{args.connections}, "
            f"{args.rounds} x {args.duration} s, gunicorn --workers {args.workers}, "
            f"{os.cpu_count()} CPUs (shared by wrk and the server)"
        )
        runs = processing(args, photo)
        seconds = [r["seconds"] * 1000 for r in runs]
        added = [(r["rss_peak_kb"] - r["rss_before_kb"]) / 1024 for r in runs]
        print(
            f"processing: median {statistics.median(seconds):.0f} ms, "
            f"peak memory added median {statistics.median(added):.1f} MB "
            f"(max {max(added):.1f} MB)\n"
        )
        return serving(args, work, photo)


if __name__ == "__main__":
    run_main(main)
