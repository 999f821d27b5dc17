"""gunicorn.conf.py's worker hooks."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_started_worker_freezes_what_the_app_made():
    """post_worker_init moves the objects alive at start-up out of the
    collector's generations (gc.freeze), so collections walk only what
    requests make."""
    hooks = runpy.run_path(str(CONF))
    kept = [object() for _ in range(10)]  # alive when the hook runs
    try:
        hooks["post_worker_init"](object())
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
