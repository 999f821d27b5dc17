"""bench/moderation.py keeps working: a small run (60 vs 2,000 pending, 500
approved at once) through the page and through the services. Checks that it
runs and that the counts stay exact, not how fast anything is."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("extra", [[], ["--service-level"]], ids=["page", "services"])
def test_moderation_benchmark_smoke(tmp_path, extra):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "moderation.py"), "--smoke",
         "--keep", str(tmp_path), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(
        r"ratio B/A \(median\) = \d+\.\d+ \(goal <= 1\.5\) (MET|NOT MET)", output
    ), output
    assert re.search(r"approved 500 comments in \d+\.\d+ s", output), output
    assert "counts exact: yes" in output, output
    if extra:
        assert "service-level" in output, output
    else:
        assert "GET /moderation/comments?status=pending" in output, output
