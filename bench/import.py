"""Benchmark: `flask cms import-wxr` on the theme unit test file and on
generated WordPress exports of 10,000 and 100,000 posts with 10 comments each.

For each file: a fresh SQLite database (WAL, as in production), then the
import timed, with the peak of memory traced by tracemalloc above the
baseline taken just before it starts (the app, the schema and the parser's
modules already loaded). The import streams the file and writes in batches,
so the peak should not grow with the file: the goal is
peak(100,000) <= 1.2 x peak(10,000), printed side by side.

Generated files are written once under bench/results/ (git-ignored) and
reused. tracemalloc slows Python down roughly twofold; the seconds are
those of the traced run.

Usage: .venv/bin/python bench/import.py [--sizes 10000,100000] [--no-theme]
       [--smoke]  (200 and 2,000 posts: checks that it runs)
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import RESULTS  # noqa: E402
from cms import create_app  # noqa: E402
from cms.extensions import db  # noqa: E402
from cms.services.wxr_import import import_wxr_file  # noqa: E402

THEME = Path("/work/shared/data/wordpress/themeunittestdata.wordpress.xml")
COMMENTS_PER_POST = 10
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>生成的站点</title><link>https://bench.example.cn</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://bench.example.cn</wp:base_site_url>
<wp:base_blog_url>https://bench.example.cn</wp:base_blog_url>
<wp:author><wp:author_login><![CDATA[editor]]></wp:author_login>
<wp:author_email>editor@example.cn</wp:author_email>
<wp:author_display_name><![CDATA[编辑部]]></wp:author_display_name></wp:author>
"""
CATEGORIES = [f"分类{n}" for n in range(20)]
TAGS = [f"标签{n}" for n in range(200)]
PARAGRAPH = (
    '这是一段用于压力测试的正文，包含<strong>加粗</strong>、<a href="https://example.cn/">'
    "链接</a>和一些普通的中文句子。每篇文章的长度和真实博客相近。"
)


def _comment(post: int, n: int, rng: random.Random) -> str:
    cid = post * 100 + n
    parent = post * 100 + rng.randrange(n) if n and rng.random() < 0.4 else 0
    status = rng.choices(["1", "0", "spam", "trash"], [85, 8, 5, 2])[0]
    return (
        f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
        f"<wp:comment_author><![CDATA[读者{cid % 997}]]></wp:comment_author>"
        f"<wp:comment_author_email>r{cid % 997}@example.cn</wp:comment_author_email>"
        "<wp:comment_author_url></wp:comment_author_url>"
        f"<wp:comment_author_IP>10.0.{cid % 250}.{n}</wp:comment_author_IP>"
        f"<wp:comment_date_gmt>2020-01-0{1 + n % 9} 0{n % 10}:00:00"
        "</wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[第 {n} 条评论：写得很好，谢谢分享！]]>"
        "</wp:comment_content>"
        f"<wp:comment_approved>{status}</wp:comment_approved>"
        "<wp:comment_type></wp:comment_type>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
    )


def _post(post: int, rng: random.Random) -> str:
    day = 1 + post % 28
    cats = "".join(
        f'<category domain="category" nicename="cat-{c}">'
        f"<![CDATA[{CATEGORIES[c]}]]></category>"
        for c in rng.sample(range(len(CATEGORIES)), 2)
    )
    tags = "".join(
        f'<category domain="post_tag" nicename="tag-{t}">'
        f"<![CDATA[{TAGS[t]}]]></category>"
        for t in rng.sample(range(len(TAGS)), 3)
    )
    body = "\n\n".join([PARAGRAPH] * 4) + "\n\n<!--more-->\n\n" + PARAGRAPH
    comments = "".join(_comment(post, n, rng) for n in range(COMMENTS_PER_POST))
    return (
        f"<item><title>第 {post} 篇文章</title>"
        f"<link>https://bench.example.cn/2020/01/{day:02d}/post-{post}/</link>"
        f"<dc:creator><![CDATA[editor]]></dc:creator>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded>"
        "<excerpt:encoded><![CDATA[]]></excerpt:encoded>"
        f"<wp:post_id>{post}</wp:post_id>"
        f"<wp:post_date_gmt>2020-01-{day:02d} 08:00:00</wp:post_date_gmt>"
        "<wp:comment_status>open</wp:comment_status>"
        f"<wp:post_name>post-{post}</wp:post_name><wp:status>publish</wp:status>"
        "<wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type>"
        "<wp:post_password></wp:post_password><wp:is_sticky>0</wp:is_sticky>"
        f"{cats}{tags}\n{comments}</item>\n"
    )


def generated(posts: int) -> Path:
    """The WXR file of `posts` posts (written once, streamed to disk)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"wxr-{posts}.xml"
    if path.exists():
        return path
    rng = random.Random(posts)
    partial = path.with_suffix(".part")
    with open(partial, "w", encoding="utf-8") as out:
        out.write(HEAD)
        for post in range(1, posts + 1):
            out.write(_post(post, rng))
        out.write("</channel></rss>\n")
    partial.rename(path)
    return path


def run(path: Path) -> tuple[float, int, str]:
    """(seconds, peak bytes above the baseline, summary line) of one import
    into a fresh SQLite database."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                          "PASSWORD_HASH_CHEAP": True})  # fmt: skip
        with app.app_context():
            db.create_all()
            tracemalloc.start()
            baseline = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            started = time.perf_counter()
            summary = import_wxr_file(path)
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] - baseline
            tracemalloc.stop()
            db.session.remove()
            db.engine.dispose()
    line = ", ".join(f"{k} {v}" for k, v in sorted(summary.imported.items()))
    return seconds, peak, line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--no-theme", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    sizes = [200, 2000] if args.smoke else [int(s) for s in args.sizes.split(",") if s]
    targets: list[tuple[str, Path]] = []
    if not args.no_theme and THEME.exists():
        targets.append(("theme unit test", THEME))
    for size in sizes:
        print(f"generating {size} posts × {COMMENTS_PER_POST} comments …", flush=True)
        targets.append((f"{size} posts", generated(size)))
    peaks: dict[str, int] = {}
    print(
        f"{'file':<18} {'MB':>8} {'seconds':>9} {'rows/s':>9} {'peak MB':>9}  imported"
    )
    for name, path in targets:
        seconds, peak, line = run(path)
        peaks[name] = peak
        rows = sum(int(part.split()[-1]) for part in line.split(", ") if part)
        size_mb = path.stat().st_size / 1e6
        print(f"{name:<18} {size_mb:>8.1f} {seconds:>9.1f} {rows / seconds:>9.0f} "
              f"{peak / 1e6:>9.1f}  {line}", flush=True)  # fmt: skip
    if len(sizes) >= 2:
        small, large = f"{sizes[0]} posts", f"{sizes[-1]} posts"
        ratio = peaks[large] / peaks[small]
        verdict = "ok" if ratio <= 1.2 else "OVER the 1.2 goal"
        print(
            f"peak({large}) / peak({small}) = {peaks[large] / 1e6:.1f} MB / "
            f"{peaks[small] / 1e6:.1f} MB = {ratio:.2f}  (goal <= 1.20: {verdict})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
