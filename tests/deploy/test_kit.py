"""The deployment kit in deploy/: each file is checked as far as this machine
allows. The compose file against the Compose specification's JSON schema,
the systemd units by systemd itself, the Dockerfile against the tree it
copies from. (The nginx config is exercised by the page-store test.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())


def test_compose_file_follows_the_compose_specification():
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("check-jsonschema")),
            "--builtin-schema",
            "vendor.compose-spec",
            str(DEPLOY / "compose.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_compose_file_names_files_that_exist_and_shares_the_page_store():
    compose = YAML(typ="safe").load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "redis", "app", "nginx", "tick", "mail"} <= set(services)
    build = services["app"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()
    for mount in services["nginx"]["volumes"]:
        source = mount.split(":")[0]
        if source.startswith("."):
            assert (DEPLOY / source).exists(), source
    store = services["app"]["environment"]["PAGE_STORE"]
    assert any(m.split(":")[1] == store for m in services["nginx"]["volumes"])
    assert services["app"]["environment"]["REDIS_URL"].startswith("redis://")


def test_dockerfile_copies_what_exists_and_serves_wsgi_app():
    text = (DEPLOY / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), source
    for required in ("cms", "templates", "static", "migrations", "wsgi.py"):
        assert re.search(rf"^COPY .*\b{re.escape(required)}\b", text, re.M), required
    assert "wsgi:app" in text and "flask db upgrade" in text
    assert re.search(r"^USER cms$", text, re.M), "the app must not run as root"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_unit_verifies(unit, tmp_path):
    # The units name /srv/cms; here they point at this checkout's venv.
    venv = Path(sys.executable).parent.parent
    for each in UNITS:
        text = each.read_text().replace("/srv/cms/.venv", str(venv))
        (tmp_path / each.name).write_text(text)
    run = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / unit.name)],
        capture_output=True,
        text=True,
        env={"SYSTEMD_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0 and not run.stderr.strip(), run.stderr


def test_the_timer_starts_the_tick_service():
    timer = (DEPLOY / "systemd" / "cms-tick.timer").read_text()
    assert "OnUnitActiveSec=1min" in timer
    service = (DEPLOY / "systemd" / "cms-tick.service").read_text()
    assert "flask cms tick" in service and "Type=oneshot" in service
