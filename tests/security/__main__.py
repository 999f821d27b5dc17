"""`make security`: run every check, print `NAME: FOUND/TRIED` a line, exit 1
when any FOUND is above its bound.

    .venv/bin/python -m tests.security [NAME ...]
"""

from __future__ import annotations

import sys

from tests.security import checks  # noqa: F401  (registers the checks)
from tests.security.harness import CHECKS, Site


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        print(f"unknown checks: {', '.join(unknown)}; known: {', '.join(CHECKS)}")
        return 2
    site = Site()
    failed = 0
    try:
        for name in names or list(CHECKS):
            tally = CHECKS[name](site)
            print(
                tally.line() + ("" if tally.ok else f"  (bound {tally.bound})"),
                flush=True,
            )
            for example in tally.examples:
                print(f"    {example}")
            failed += not tally.ok
    finally:
        site.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
