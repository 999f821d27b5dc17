"""`make security`: run every check, print `NAME: FOUND/TRIED` a line, exit 1
when any FOUND is above its bound.

    .venv/bin/python -m tests.security [--jobs N] [NAME ...]

With `--jobs N` (N > 1), N processes run the checks side by side, each on a
Site of its own (tests/security/jobs.py); the checks that hold a time bound
(harness.ALONE) run afterwards, one at a time, with nothing else running.
"""

from __future__ import annotations

import argparse
import sys

from tests.security import checks  # noqa: F401  (registers the checks)
from tests.security.harness import ALONE, CHECKS, Site, Tally
from tests.security.jobs import side_by_side


def _report(tally: Tally) -> bool:
    """Print the check's line (and examples); whether it is within its bound."""
    print(tally.line() + ("" if tally.ok else f"  (bound {tally.bound})"), flush=True)
    for example in tally.examples:
        print(f"    {example}")
    return tally.ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.security")
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    parser.add_argument("names", nargs="*", metavar="NAME")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in CHECKS]
    if unknown:
        print(f"unknown checks: {', '.join(unknown)}; known: {', '.join(CHECKS)}")
        return 2
    names = args.names or list(CHECKS)
    site = Site()
    failed = 0
    try:
        shared = [n for n in names if n not in ALONE]
        if args.jobs > 1 and len(shared) > 1:
            for tally in side_by_side(shared, args.jobs):
                failed += not _report(tally)
            names = [n for n in names if n in ALONE]
        for name in names:
            failed += not _report(CHECKS[name](site))
    finally:
        site.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
