"""bench/pages.py, bench/cpu_per_request.py and bench/cpu_in_process.py keep
working: tiny runs (200 articles, one or two short rounds each), the first
two against a real gunicorn. Checks that they run, not how fast anything
is."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WRK = Path("/usr/bin/wrk")
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
# pages.py and cpu_per_request.py load a real gunicorn with wrk (the marks
# are the file's: cpu_in_process.py runs with them too).
pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(
        not WRK.exists(),
        reason="wrk is not installed at /usr/bin/wrk (apt install wrk)",
    ),
    pytest.mark.skipif(
        not GUNICORN.exists()
        and not (Path(sys.executable).parent / "gunicorn").exists(),
        reason="gunicorn is not installed in .venv",
    ),
]


def test_pages_benchmark_smoke(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "pages.py"),
            "--smoke",
            "--cache-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for ratio in ("article/healthz", "article/bare", "article-nocache/healthz"):
        assert re.search(
            rf"ratio {ratio} = \d+\.\d+ \(goal >= [\d.]+\) (MET|NOT MET)", output
        ), output
    assert "non-2xx" not in output, output


@pytest.mark.parametrize(
    ("script", "measured"),
    [
        ("cpu_per_request.py", "CPU per request"),
        ("cpu_in_process.py", "CPU in process"),
    ],
)
def test_the_cpu_benchmarks_compare_two_trees(tmp_path, script, measured):
    """bench/cpu_per_request.py (gunicorn) and bench/cpu_in_process.py (the
    app alone) serve two trees (here this one twice) and report each one's
    CPU per request and the second against the first."""
    done = subprocess.run(
        [
            sys.executable, str(ROOT / "bench" / script), "--smoke",
            "--cache-dir", str(tmp_path), str(ROOT), str(ROOT),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    lines = re.findall(
        rf"tree (\d) .*: {measured} healthz (\d+\.\d+) ms, article (\d+\.\d+) ms",
        output,
    )
    assert [n for n, _, _ in lines] == ["1", "2"], output
    for _, healthz, article in lines:
        assert 0 < float(healthz) < float(article), output  # the page costs more
    assert re.search(r"article CPU x\d+\.\d+ of tree 1", output), output
    assert "FAIL" not in output, output
