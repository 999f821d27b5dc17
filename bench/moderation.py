#!/usr/bin/env python3
"""The moderation queue at scale: the pending tab with few and with very many
pending comments, and "select all matching" approving thousands at once.

Two SQLite file databases, migrated with flask_migrate.upgrade and filled with
bulk Core inserts, identical but for the pending comments: A has 100 pending,
B 100,000 (200 articles, and the same approved, spam and trash comments in
both). An editor logs in with the Flask test client; GET
/moderation/comments?status=pending (the first page) is timed on A and B in
alternation, and the ratio of the medians B/A is compared with the goal
(<= 1.5). Then, on B, one POST /moderation/comments with all_matching=1,
action=approve and email=<one address> approves the 10,000 pending comments
of that address; its time is printed, and whether every article's
comment_count equals its approved comments and the kept tallies equal a
recount ("counts exact: yes/no").

When the app has no /moderation/comments route yet, the same work is timed
through the services instead (queue_page, and apply_action over
matching_ids), and the output says so.

Exit status 0 whether or not the goal is met (it is a measurement); 1 when a
request failed or the counts were not exact afterwards.

    .venv/bin/python bench/moderation.py           # 100 vs 100,000 pending
    .venv/bin/python bench/moderation.py --smoke   # 60 vs 2,000: does it work?
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import ROOT, fill_unset

GOAL = 1.5
EDITOR = "bench-editor"
PASSWORD = "bench editor password 2026"
BULK_EMAIL = "bulk-commenter@example.cn"
BATCH = 5000
QUEUE_PATH = "/moderation/comments?status=pending"
# A held comment's reason as cms.services.reasons stores it.
FIRST_COMMENT = {"code": "first_comment", "params": {}}
NAMES = [
    "林清", "陈小雨", "周远航", "老王", "张晓明", "李思远",
    "王海燕", "赵一鸣", "刘佳", "孙浩然", "何静", "马文博",
]  # fmt: skip
PHRASES = [
    "写得很好，谢谢分享。", "请问这个方法现在还适用吗？",
    "我上个月也遇到了同样的问题。", "楼主说得对，补充一点：",
    "收藏了，回头慢慢看。", "有没有更详细的步骤？",
    "客服电话打不通怎么办", "逾期三天会不会上征信？",
    "按照文章做了，已经解决。", "这个价格有点贵了。",
    "第二步我没看懂。", "感谢作者，帮了大忙！",
]  # fmt: skip


@dataclass(frozen=True)
class Sizes:
    articles: int
    pending_a: int
    pending_b: int
    bulk: int  # of B's pending comments, written with BULK_EMAIL
    approved: int  # in both databases
    spam: int
    trash: int
    rounds: int
    warmup: int


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--smoke", action="store_true", help="small sizes, a few rounds: does it work?"
    )
    parser.add_argument("--articles", type=int, help="articles (200)")
    parser.add_argument("--pending-a", type=int, help="pending comments in A (100)")
    parser.add_argument("--pending-b", type=int, help="pending comments in B (100000)")
    parser.add_argument(
        "--bulk", type=int, help="of B's pending, from one address (10000)"
    )
    parser.add_argument("--rounds", type=int, help="timed requests of each (200)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument(
        "--keep", type=Path, help="build the databases in this directory and keep them"
    )
    parser.add_argument(
        "--service-level",
        action="store_true",
        help="time the services even when the page exists",
    )
    args = parser.parse_args(argv)
    defaults = (
        dict(articles=20, pending_a=60, pending_b=2000, bulk=500, rounds=15)
        if args.smoke
        else dict(
            articles=200, pending_a=100, pending_b=100_000, bulk=10_000, rounds=200
        )
    )
    fill_unset(args, defaults)
    if min(args.articles, args.pending_a, args.pending_b, args.rounds) < 1:
        parser.error("sizes and --rounds must be >= 1")
    if not 0 < args.bulk <= args.pending_b:
        parser.error("--bulk must be between 1 and --pending-b")
    return args


def sizes_from(args: argparse.Namespace) -> Sizes:
    scale = 10 if args.smoke else 1
    return Sizes(
        articles=args.articles,
        pending_a=args.pending_a,
        pending_b=args.pending_b,
        bulk=args.bulk,
        approved=20_000 // scale,
        spam=5_000 // scale,
        trash=1_000 // scale,
        rounds=args.rounds,
        warmup=3 if args.smoke else 20,
    )


# -- building a database ------------------------------------------------------


def make_app(path: Path):
    """The app on `path`, configured as the test suite's (CSRF off, cheap
    password hashing) but on a SQLite file."""
    from cms import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "PASSWORD_HASH_CHEAP": True,
            "RATELIMIT_ENABLED": False,
        }
    )


def _comment_rows(
    rng: random.Random,
    n: int,
    status: str,
    articles: int,
    now: datetime,
    days: int,
    email: str | None = None,
) -> list[dict]:
    rows = []
    for _ in range(n):
        who = rng.randrange(40_000)
        rows.append(
            {
                "article_id": rng.randint(1, articles),
                "type": "comment",
                "author_name": f"{rng.choice(NAMES)}{who % 100}",
                "author_email": email or f"reader{who}@example.cn",
                "author_url": "",
                "body": " ".join(rng.sample(PHRASES, rng.randint(1, 3))),
                "status": status,
                "previous_status": "pending" if status in ("spam", "trash") else None,
                "reasons": [FIRST_COMMENT] if status == "pending" else [],
                "ip": f"10.{who % 250}.{who // 250 % 250}.{rng.randint(1, 254)}",
                "user_agent": "Mozilla/5.0 (Linux; Android 14) Mobile",
                "created_at": now - timedelta(seconds=rng.randint(60, days * 86400)),
            }
        )
    return rows


def build(path: Path, sizes: Sizes, pending: int, bulk: int, seed: int):
    """Migrate `path`, add the editor and the articles, then the comments in
    time order (ids grow with created_at, as on a real site); counts and
    tallies set from a recount. Returns the app."""
    import flask_migrate
    from sqlalchemy import insert, text

    from cms.extensions import db
    from cms.models import Article, ArticleStatus, Comment, Role, new_public_id
    from cms.services.users import create_user

    started = time.perf_counter()
    app = make_app(path)
    with app.app_context():
        logging.disable(logging.INFO)  # alembic's progress lines
        try:
            flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        finally:
            logging.disable(logging.NOTSET)
        owner = create_user(EDITOR, Role.EDITOR, PASSWORD, "值班编辑")
        now = datetime.now(UTC)
        rng = random.Random(seed)  # the same articles and other comments in A and B
        articles = [
            {
                "id": n,
                "public_id": new_public_id(),
                "title": f"测试文章 {n}",
                "body_markdown": "正文。",
                "body_html": "<p>正文。</p>",
                "excerpt": "",
                "summary": "正文。",
                "status": ArticleStatus.PUBLISHED,
                "published_at": now - timedelta(days=rng.randint(1, 900)),
                "owner_id": owner.id,
                "contributor": "",
                "allow_comments": True,
                "view_count": rng.randint(0, 5000),
                "comment_count": 0,
                "created_at": now - timedelta(days=901),
                "updated_at": now - timedelta(days=901),
            }
            for n in range(1, sizes.articles + 1)
        ]
        rows = []
        for status, n, days in (
            ("approved", sizes.approved, 900),
            ("spam", sizes.spam, 365),
            ("trash", sizes.trash, 365),
        ):
            rows += _comment_rows(rng, n, status, sizes.articles, now, days)
        pending_rng = random.Random(seed + 1)
        rows += _comment_rows(
            pending_rng, pending - bulk, "pending", sizes.articles, now, 30
        )
        rows += _comment_rows(
            pending_rng, bulk, "pending", sizes.articles, now, 30, BULK_EMAIL
        )
        rows.sort(key=lambda row: row["created_at"])
        connection = db.session.connection()  # one transaction: WAL, few fsyncs
        connection.execute(insert(Article), articles)
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(Comment), rows[start : start + BATCH])
        connection.execute(
            text(
                "UPDATE articles SET comment_count = (SELECT COUNT(*) FROM comments c "
                "WHERE c.article_id = articles.id AND c.status = 'approved')"
            )
        )
        connection.execute(
            text(
                "UPDATE comment_tallies SET count = (SELECT COUNT(*) FROM comments c "
                "WHERE c.status = comment_tallies.status)"
            )
        )
        db.session.commit()
        db.session.remove()
    took = time.perf_counter() - started
    print(
        f"  {path.name}: {len(rows):,} comments ({pending:,} pending) on "
        f"{sizes.articles} articles, built in {took:.1f} s"
    )
    return app


# -- checks ----------------------------------------------------------------------


def counts_exact(app) -> tuple[bool, str]:
    """Every article's comment_count equals its approved comments, and the kept
    tallies equal a recount; (ok, what differs)."""
    from sqlalchemy import func, select

    from cms.extensions import db
    from cms.models import Article, Comment, CommentStatus
    from cms.services.tallies import comment_tallies, recount_tallies

    with app.app_context():
        approved = dict(
            db.session.execute(
                select(Comment.article_id, func.count(Comment.id))
                .where(Comment.status == CommentStatus.APPROVED)
                .group_by(Comment.article_id)
            ).all()
        )
        kept = dict(db.session.execute(select(Article.id, Article.comment_count)).all())
        wrong = {
            a: (n, approved.get(a, 0))
            for a, n in kept.items()
            if n != approved.get(a, 0)
        }
        tallies, recount = comment_tallies(), recount_tallies()
        db.session.remove()
    problems = []
    if wrong:
        problems.append(
            f"{len(wrong)} articles' counts differ, e.g. "
            f"{dict(list(wrong.items())[:3])} (kept, counted)"
        )
    if tallies != recount:
        problems.append(f"tallies {_plain(tallies)} != recount {_plain(recount)}")
    return not problems, "; ".join(problems)


def status_counts(app, email: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from cms.extensions import db
    from cms.models import Comment

    with app.app_context():
        rows = db.session.execute(
            select(Comment.status, func.count(Comment.id))
            .where(Comment.author_email == email)
            .group_by(Comment.status)
        ).all()
        db.session.remove()
    return {status.value: n for status, n in rows}


def _plain(tallies) -> str:
    return json.dumps({s.value: n for s, n in tallies.items()})


# -- the two ways of timing ------------------------------------------------------


class PageDriver:
    """Through the real page: a logged-in editor's Flask test client."""

    label = "through the page (Flask test client, logged-in editor)"

    def __init__(self, app) -> None:
        self.app = app
        self.client = app.test_client()
        response = self.client.post(
            "/auth/login", data={"username": EDITOR, "password": PASSWORD}
        )
        if response.status_code not in (302, 303):
            raise RuntimeError(f"login failed: {response.status_code}")

    def pending_tab(self) -> None:
        response = self.client.get(QUEUE_PATH)
        if response.status_code != 200:
            raise RuntimeError(f"GET {QUEUE_PATH}: {response.status_code}")
        response.close()

    def approve_all(self, email: str) -> None:
        response = self.client.post(
            f"/moderation/comments?status=pending&email={email}",
            data={"action": "approve", "all_matching": "1"},
        )
        if response.status_code not in (302, 303):
            raise RuntimeError(f"POST /moderation/comments: {response.status_code}")

    approve_label = (
        f"POST /moderation/comments?status=pending&email={BULK_EMAIL} "
        "(all_matching=1, action=approve)"
    )


class ServiceDriver:
    """The same work through the services, in an app context per call."""

    label = (
        "service-level: cms.services.queue and cms.services.moderation "
        "(no template, no HTTP)"
    )

    def __init__(self, app) -> None:
        from sqlalchemy import select

        from cms.extensions import db
        from cms.models import User

        self.app = app
        with app.app_context():
            self.editor_id = db.session.scalar(
                select(User.id).where(User.username == EDITOR)
            )

    def pending_tab(self) -> None:
        from cms.extensions import db
        from cms.services.queue import QueueFilter, histories, parents_of, queue_page
        from cms.services.tallies import comment_tallies

        with self.app.app_context():
            page = queue_page(QueueFilter())
            parents_of(page.comments)
            histories([c.author_email for c in page.comments])
            comment_tallies()
            for comment in page.comments:
                comment.article.title  # noqa: B018 - what the page shows
            db.session.remove()

    def approve_all(self, email: str) -> None:
        from cms.extensions import db
        from cms.models import User
        from cms.services.moderation import apply_action
        from cms.services.queue import QueueFilter, matching_ids

        with self.app.app_context():
            actor = db.session.get(User, self.editor_id)
            apply_action(matching_ids(QueueFilter(email=email)), "approve", actor)
            db.session.remove()

    approve_label = (
        f"apply_action(matching_ids(QueueFilter(email={BULK_EMAIL!r})), 'approve')"
    )


def page_exists(app) -> bool:
    """True when the app has the queue route and it answers the editor 200."""
    if "moderation.comment_queue" not in app.view_functions:
        return False
    try:
        PageDriver(app).pending_tab()
    except RuntimeError as error:
        print(f"  probe: {error}")
        return False
    return True


# -- measuring -------------------------------------------------------------------


def timed(call: Callable[[], None]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def time_pending_tabs(drivers: dict[str, object], sizes: Sizes) -> dict[str, list]:
    """Warm both up, then alternate A and B (who goes first alternates too)."""
    for driver in drivers.values():
        for _ in range(sizes.warmup):
            driver.pending_tab()
    samples: dict[str, list[float]] = {name: [] for name in drivers}
    names = list(drivers)
    for n in range(sizes.rounds):
        for name in names if n % 2 == 0 else names[::-1]:
            samples[name].append(timed(drivers[name].pending_tab))
    return samples


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sizes_from(args)
    print(
        f"moderation queue: A = {sizes.pending_a:,} pending, B = "
        f"{sizes.pending_b:,} pending; both with {sizes.approved:,} approved, "
        f"{sizes.spam:,} spam, {sizes.trash:,} trash on {sizes.articles} "
        "articles (SQLite files)"
    )
    with tempfile.TemporaryDirectory(prefix="cms-bench-moderation-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for stale in workdir.glob("moderation-*.sqlite*"):
            stale.unlink()
        print("building:")
        apps = {
            "A": build(
                workdir / "moderation-a.sqlite", sizes, sizes.pending_a, 0, args.seed
            ),
            "B": build(
                workdir / "moderation-b.sqlite",
                sizes,
                sizes.pending_b,
                sizes.bulk,
                args.seed,
            ),
        }
        for name, app in apps.items():
            ok, problem = counts_exact(app)
            if not ok:
                print(f"FAIL: database {name} was built with wrong counts: {problem}")
                return 1
        through_page = not args.service_level and page_exists(apps["A"])
        driver_class = PageDriver if through_page else ServiceDriver
        if not through_page and not args.service_level:
            print(
                "note: GET /moderation/comments does not answer 200 in this app "
                "(route missing); timing the services instead"
            )
        print(f"timing {driver_class.label}")
        try:
            drivers = {name: driver_class(app) for name, app in apps.items()}
            samples = time_pending_tabs(drivers, sizes)
        except RuntimeError as error:
            print(f"FAIL: {error}")
            return 1

        what = (
            f"GET {QUEUE_PATH}"
            if through_page
            else "queue_page(QueueFilter()) + parents, histories, tallies"
        )
        print()
        print(f"pending tab, first page: {what}")
        print(
            f"  {sizes.rounds} timed requests each after {sizes.warmup} "
            "warm-up, A and B alternating"
        )
        pending = {"A": sizes.pending_a, "B": sizes.pending_b}
        for name, times in samples.items():
            print(
                f"  {name}: {pending[name]:>7,} pending   median "
                f"{statistics.median(times) * 1000:7.2f} ms   p95 "
                f"{p95(times) * 1000:7.2f} ms"
            )
        ratio = statistics.median(samples["B"]) / statistics.median(samples["A"])
        ratio_p95 = p95(samples["B"]) / p95(samples["A"])
        verdict = "MET" if ratio <= GOAL else "NOT MET"
        print(f"  ratio B/A (median) = {ratio:.2f} (goal <= {GOAL}) {verdict}")
        print(f"  ratio B/A (p95)    = {ratio_p95:.2f}")

        print()
        print(f"select all matching on B: {drivers['B'].approve_label}")
        before = status_counts(apps["B"], BULK_EMAIL)
        try:
            took = timed(lambda: drivers["B"].approve_all(BULK_EMAIL))
        except RuntimeError as error:
            print(f"FAIL: {error}")
            return 1
        after = status_counts(apps["B"], BULK_EMAIL)
        approved = after.get("approved", 0) - before.get("approved", 0)
        print(
            f"  approved {approved:,} comments in {took:.2f} s "
            f"({took / max(approved, 1) * 1e6:.0f} µs a comment)"
        )
        ok, problem = counts_exact(apps["B"])
        if approved != sizes.bulk or after.get("pending", 0):
            ok = False
            problem = (
                f"{approved} approved of {sizes.bulk}, "
                f"{after.get('pending', 0)} still pending; {problem}"
            )
        print(
            f"  counts exact: {'yes' if ok else 'no'}" + ("" if ok else f" ({problem})")
        )
        for app in apps.values():
            with app.app_context():
                from cms.extensions import db

                db.engine.dispose()
        if args.keep:
            print(f"databases kept in {workdir}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
