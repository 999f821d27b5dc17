"""`make security --jobs N`: checks run side by side by N processes, each on
a Site of its own copied from the one template the calling process seeded
(so each process starts from the same site the serial run starts from)."""

from __future__ import annotations

import atexit
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tests.security import checks  # noqa: F401  (registers the checks)
from tests.security.harness import CHECKS, Site, Tally

# The longest checks on the CI machine (25-35 s each, most of it waiting on
# servers), started first so that none of them is left for the end.
LONGEST = ("safe-methods", "sql-injection", "brute-force", "privilege-by-content")

_site: Site | None = None


def _start_worker(template: tuple[Path, dict[str, Any]]) -> None:
    """In a worker process: a Site copied from the parent's template."""
    global _site
    Site._template = template
    _site = Site()
    atexit.register(_site.close)


def _run(name: str) -> Tally:
    assert _site is not None
    return CHECKS[name](_site)


def side_by_side(names: list[str], jobs: int) -> Iterator[Tally]:
    """The checks `names` run by `jobs` processes: their tallies in the order
    of `names`, each as soon as it and those before it are done. The calling
    process has made a Site (its template is what the workers copy)."""
    assert Site._template is not None, "make a Site first"
    order = sorted(names, key=lambda n: LONGEST.index(n) if n in LONGEST else 99)
    with ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(Site._template,),
    ) as pool:
        futures: dict[str, Future[Tally]] = {n: pool.submit(_run, n) for n in order}
        for name in names:
            yield futures[name].result()
