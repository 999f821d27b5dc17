"""bench/media.py keeps working: one upload, one 2 s round of each against a
real gunicorn. Checks that it runs and what it reports, not how fast."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
WRK = Path("/usr/bin/wrk")


@pytest.mark.server
@pytest.mark.skipif(not WRK.exists(), reason="wrk is not installed at /usr/bin/wrk")
def test_media_benchmark_smoke():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "media.py"), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(r"upload 1/1 +\d+ ms +peak RSS +[\d.]+ MB", output), output
    assert "sizes [480, 960, 1600], 7 files" in output, output
    assert re.search(
        r"ratio media/healthz = \d+\.\d+ \(goal >= 0\.9\) (MET|NOT MET)", output
    ), output
    assert "non-2xx" not in output, output
