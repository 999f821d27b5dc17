"""bench/cpu_in_process.py keeps working: a tiny run (200 articles, two
rounds) of this tree against itself. Checks that it runs and reports, not
how fast anything is."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_cpu_in_process_compares_two_trees(tmp_path):
    done = subprocess.run(
        [
            sys.executable, str(ROOT / "bench" / "cpu_in_process.py"), "--smoke",
            "--cache-dir", str(tmp_path), str(ROOT), str(ROOT),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    lines = re.findall(
        r"tree (\d) .*: CPU in process healthz (\d+\.\d+) ms, article (\d+\.\d+) ms",
        output,
    )
    assert [n for n, _, _ in lines] == ["1", "2"], output
    for _, healthz, article in lines:
        assert 0 < float(healthz) < float(article), output  # the page costs more
    assert re.search(r"article CPU x\d+\.\d+ of tree 1", output), output
