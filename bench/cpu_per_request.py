#!/usr/bin/env python3
"""CPU per request of the uncached article page and of /healthz, measured on
the servers themselves: one or more source trees served side by side by
gunicorn (2 workers, `PAGE_CACHE=0`, the database of bench/pages.py), wrk
taking turns over every tree's `/healthz` and random articles in short
rounds, and each server's CPU (its master and workers, from /proc) read
before and after every run.

Requests per second swing by ±10 % from round to round on a shared machine;
the CPU a request costs the server moves far less. This is the instrument
for "did this change make the page cheaper": give it the tree before the
change (a `git worktree` of the old commit) and the tree after it.

    .venv/bin/python bench/cpu_per_request.py                # this tree
    .venv/bin/python bench/cpu_per_request.py ../before .    # before, after
    .venv/bin/python bench/cpu_per_request.py --smoke        # 200 articles

Prints, per tree, the median CPU milliseconds per request of each target
over the rounds, their ratio (healthz ÷ article, the CPU form of the issue's
uncached-article goal of 0.25) and the request-rate ratio of the same runs;
with several trees, each tree's article CPU ÷ the first tree's. Exit status
0 (it is a measurement); 1 when a server or wrk failed or a response was not
2xx/3xx. Trees are served with this tree's .venv: a tree that needs other
packages cannot be compared.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
    ROOT,
    Server,
    fill_unset,
    run_main,
    run_wrk,
    source_trees,
    tools_missing,
)
from pages import site_database, write_paths

TARGETS = ("healthz", "article")


@dataclass
class Tree:
    """One source tree under measurement and what its runs cost."""

    label: str
    root: Path
    server: Server | None = None
    cpu_ms: dict[str, list[float]] = field(default_factory=dict)
    rps: dict[str, list[float]] = field(default_factory=dict)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", type=Path, help="source trees (this one)")
    parser.add_argument("--rounds", type=int, help="rounds (default 6)")
    parser.add_argument("--duration", type=int, help="seconds of articles a round (5)")
    parser.add_argument("--connections", type=int, default=16, help="default 16")
    parser.add_argument("--articles", type=int, help="articles (default 10000)")
    parser.add_argument("--comments", type=int, help="comments (default 200000)")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--smoke", action="store_true", help="200 articles, 1 round")
    args = parser.parse_args(argv)
    fill_unset(
        args,
        dict(articles=200, comments=2_000, rounds=1, duration=2)
        if args.smoke
        else dict(articles=10_000, comments=200_000, rounds=6, duration=5),
    )
    args.fresh = False  # pages.site_database: reuse the kept database
    args.trees = source_trees(parser, args.trees)
    return args


def run_once(tree: Tree, target: str, paths: Path, args: argparse.Namespace) -> int:
    """One wrk run of `target` against the tree's server; returns the
    responses that were not 2xx/3xx."""
    server = tree.server
    assert server is not None
    server.settle()
    seconds = args.duration if target == "article" else max(1, args.duration // 2)
    before = server.cpu_seconds()
    result = run_wrk(server.url, paths, seconds, args.connections)
    used = server.cpu_seconds() - before
    tree.cpu_ms.setdefault(target, []).append(used * 1000 / max(result.requests, 1))
    tree.rps.setdefault(target, []).append(result.rps)
    return result.non_2xx


def report(trees: list[Tree]) -> None:
    """Medians per tree, the CPU ratio, the rps ratio, and the change
    against the first tree."""
    print()
    first = statistics.median(trees[0].cpu_ms["article"])
    for tree in trees:
        health = statistics.median(tree.cpu_ms["healthz"])
        article = statistics.median(tree.cpu_ms["article"])
        rate = sum(tree.rps["article"]) / sum(tree.rps["healthz"])
        line = (
            f"{tree.label}: CPU per request healthz {health:.3f} ms, article "
            f"{article:.3f} ms (min {min(tree.cpu_ms['article']):.3f}); "
            f"healthz/article CPU {health / article:.3f}, article/healthz rps "
            f"{rate:.3f}"
        )
        if tree is not trees[0]:
            line += f"; article CPU x{article / first:.3f} of {trees[0].label}"
        print(line)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if tools_missing():
        return 1
    kept = site_database(args)
    trees = [Tree(f"tree {n + 1} ({root})", root) for n, root in enumerate(args.trees)]
    with ExitStack() as stack:
        temporary = tempfile.TemporaryDirectory(prefix="cms-bench-cpu-")
        workdir = Path(stack.enter_context(temporary))
        paths = write_paths(kept, workdir)
        files = {"healthz": paths["healthz"], "article": paths["article-all"]}
        env = {"LOG_LEVEL": "WARNING", "RELATED_MODE": "tick", "PAGE_CACHE": "0"}
        for n, tree in enumerate(trees):
            database = workdir / f"site-{n}.sqlite"  # each server writes views
            shutil.copyfile(kept, database)
            log = workdir / f"gunicorn-{n}.log"
            tree.server = stack.enter_context(
                Server(database, 2, log, env=env, root=tree.root)
            )
            print(f"{tree.label}: {tree.server.url}")
        failed = 0
        try:
            for tree in trees:  # warm: templates compiled, pages read once
                for target in TARGETS:
                    run_once(tree, target, files[target], args)
                tree.cpu_ms.clear()
                tree.rps.clear()
            for n in range(1, args.rounds + 1):
                for tree in trees:
                    for target in TARGETS:
                        failed += run_once(tree, target, files[target], args)
                print(f"round {n}/{args.rounds} done", flush=True)
        except RuntimeError as exc:
            print(f"error: {exc}")
            return 1
    report(trees)
    if failed:
        print(f"FAIL: {failed} responses were not 2xx or 3xx")
        return 1
    return 0


if __name__ == "__main__":
    run_main(main)
