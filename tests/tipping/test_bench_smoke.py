"""bench/tipping.py keeps working: drawing timed, one 2 s round of wrk
against a real gunicorn. Checks that it runs, not how fast anything is."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRK = Path("/usr/bin/wrk")
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


@pytest.mark.server
@pytest.mark.skipif(not WRK.exists(), reason="wrk is not installed at /usr/bin/wrk")
@pytest.mark.skipif(
    not GUNICORN.exists() and not (Path(sys.executable).parent / "gunicorn").exists(),
    reason="gunicorn is not installed in .venv",
)
def test_tipping_benchmark_smoke():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "tipping.py"), "--smoke",
         "--draws", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(r"wxp://\S+\s+median=\s*\d+\.\d+ ms", output), output
    assert re.search(
        r"ratio qr/healthz = \d+\.\d+ \(goal >= 0\.9\) (MET|NOT MET)", output
    ), output
    assert "non-2xx" not in output, output
