#!/usr/bin/env python3
"""CPU per uncached article page and per /healthz, in process: one child
process per source tree, each with the app loaded (production config,
`PAGE_CACHE=0`, its own copy of bench/pages.py's database), answering
requests through Flask's test client; the children take turns in short
rounds, so that a machine slowing down or speeding up touches every tree
alike. Measures the app alone (no gunicorn, no wrk, no sockets): the finer
instrument for "did this change make the page cheaper", where
cpu_per_request.py's figures include the server's own share and swing more.

    .venv/bin/python bench/cpu_in_process.py ../before .   # before, after
    .venv/bin/python bench/cpu_in_process.py --smoke . .   # 200 articles

    .venv/bin/python bench/cpu_in_process.py --path / ../before .   # home

Prints, per tree, the median CPU milliseconds of an article page (random
ids, the same ones for every tree in a round; or of `--path`) and of
/healthz over the rounds, their ratio (the CPU form of the issue's 0.25
goal, without the server's share), and, against the first tree, the median
of the round-by-round ratios of the page's CPU. Trees run with this
tree's .venv. Exit status 0; 1 when a tree's page does not answer 200.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
from pathlib import Path

from _common import RESULTS, ROOT, fill_unset, run_main, source_trees
from pages import site_database

# Run in each child, in the tree's folder: argv[1] the database to copy,
# argv[2] the page measured besides /healthz when it is not random articles
# (warmed up with them). Reads "seed count kind" lines (kind: "article" for
# random articles, else one path) and answers with the CPU milliseconds a
# request took, as JSON.
CHILD = r"""
import gc, json, os, random, secrets, shutil, sqlite3, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, os.getcwd())
folder = Path(tempfile.mkdtemp(prefix="cms-bench-inproc-"))
database = folder / "site.sqlite"
shutil.copyfile(sys.argv[1], database)
os.environ.update(
    DATABASE_URL=f"sqlite:///{database}", CMS_CONFIG="production",
    SECRET_KEY=secrets.token_urlsafe(48), SITE_URL="http://127.0.0.1:5000",
    LOG_LEVEL="WARNING", RELATED_MODE="tick", PAGE_CACHE="0",
)
with sqlite3.connect(database) as conn:
    ids = [row[0] for row in conn.execute("SELECT public_id FROM articles")]
from cms import create_app
client = create_app().test_client()
warm = random.Random(0)
for _ in range(100):  # templates compiled, caches as a running worker has them
    client.get(f"/{warm.choice(ids)}.html")
    client.get("/healthz")
    client.get(sys.argv[2])
gc.collect()
gc.freeze()  # as gunicorn.conf.py's post_worker_init does
print(json.dumps("ready"), flush=True)
try:
    for line in sys.stdin:
        seed, count, kind = line.split()
        pick = random.Random(int(seed))
        if kind == "article":  # random articles, the same for every tree
            paths = [f"/{pick.choice(ids)}.html" for _ in range(int(count))]
        else:  # one path
            paths = [kind] * int(count)
        started = time.process_time()
        status = {client.get(path).status_code for path in paths}
        took = (time.process_time() - started) * 1000 / len(paths)
        print(json.dumps(took if status == {200} else f"answered {status}"), flush=True)
finally:
    shutil.rmtree(folder, ignore_errors=True)
"""

HEALTHZ = "/healthz"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", type=Path, help="source trees (this one)")
    parser.add_argument("--rounds", type=int, help="rounds (default 24)")
    parser.add_argument("--articles", type=int, help="articles (default 10000)")
    parser.add_argument("--comments", type=int, help="comments (default 200000)")
    parser.add_argument("--cache-dir", type=Path, default=RESULTS)
    parser.add_argument(
        "--path", help="measure this page instead of random articles (e.g. /)"
    )
    parser.add_argument("--smoke", action="store_true", help="200 articles, 2 rounds")
    args = parser.parse_args(argv)
    fill_unset(
        args,
        dict(articles=200, comments=2_000, rounds=2)
        if args.smoke
        else dict(articles=10_000, comments=200_000, rounds=24),
    )
    args.fresh = False  # pages.site_database: reuse the kept database
    args.trees = source_trees(parser, args.trees)
    return args


def ask(child: subprocess.Popen, line: str | None = None) -> object:
    """Send one line (if any) and read the child's JSON answer."""
    assert child.stdin is not None and child.stdout is not None
    if line is not None:
        child.stdin.write(line + "\n")
        child.stdin.flush()
    answer = child.stdout.readline()
    if not answer:
        raise RuntimeError("a tree's process ended (its stderr says why)")
    return json.loads(answer)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database = site_database(args)
    python = str(ROOT / ".venv" / "bin" / "python")
    children = [
        subprocess.Popen(
            [python, "-c", CHILD, str(database), args.path or HEALTHZ],
            cwd=tree,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for tree in args.trees
    ]
    page = args.path or "article"
    kinds = ((page, 80), (HEALTHZ, 200))  # requests per round
    cpu: list[dict[str, list[float]]] = [{k: [] for k, _ in kinds} for _ in children]
    try:
        for child in children:
            if ask(child) != "ready":
                raise RuntimeError("a tree's process did not start")
        for n in range(args.rounds):
            order = list(enumerate(children))
            if n % 2:
                order.reverse()  # neither tree always goes first
            for kind, count in kinds:
                for index, child in order:
                    took = ask(child, f"{n} {count} {kind}")
                    if not isinstance(took, float):
                        print(f"error: tree {index + 1}: {took}")
                        return 1
                    cpu[index][kind].append(took)
    except RuntimeError as error:
        print(f"error: {error}")
        return 1
    finally:
        for child in children:
            if child.stdin:
                child.stdin.close()
            child.wait(timeout=30)
    first = cpu[0][page]
    for index, tree in enumerate(args.trees):
        shown = statistics.median(cpu[index][page])
        healthz = statistics.median(cpu[index][HEALTHZ])
        line = (
            f"tree {index + 1} ({tree}): CPU in process healthz {healthz:.3f} ms, "
            f"{page} {shown:.3f} ms; healthz ÷ {page} {healthz / shown:.3f}"
        )
        if index:
            paired = statistics.median(
                mine / theirs
                for mine, theirs in zip(cpu[index][page], first, strict=True)
            )
            line += f"; {page} CPU x{paired:.3f} of tree 1 (median of rounds)"
        print(line)
    return 0


if __name__ == "__main__":
    run_main(main)
