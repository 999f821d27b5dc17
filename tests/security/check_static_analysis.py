"""Static analysis: bandit and ruff's security rules (`S`, bandit's rules
re-implemented) over the app's code (cms/ and the root modules it runs
with). Every finding of medium or high severity must be fixed, or resolved
where it stands by a suppression that names the rule and says why:

    Markup(html)  # noqa: S704  # nosec B704  # sanitised by render_body

Severity is bandit's; a ruff finding takes the severity bandit gives the same
rule at the same place (S608 = B608), and medium when bandit has none there.
FOUND: a medium or high finding that either tool still reports, or whose
suppression gives no reason (the tools are run twice: with suppressions
ignored, to see every finding, and as configured, to see which remain)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.security.harness import Site, Tally, check, planted

ROOT = Path(__file__).resolve().parents[2]
# What the scan reads (relative to SCAN_ROOT); planted faults point it at a copy.
SCAN_ROOT = ROOT
TARGETS = ("cms", "config.py", "wsgi.py", "gunicorn.conf.py")
SEVERE = {"MEDIUM", "HIGH"}
# A suppression: its markers and rule codes, then the reason.
_MARKER = re.compile(r"#\s*(?:noqa|nosec)\b.*$")
_NOT_REASON = re.compile(r"#|\bnoqa\b:?|\bnosec\b:?|\b[BS]\d{3}\b|[\s,:;—–-]")
MIN_REASON = 8  # characters of reason, markers and codes left out


@dataclass(frozen=True)
class Finding:
    tool: str
    path: str  # relative to the scanned root
    rule: str  # the bandit number: B608 for ruff's S608 too
    lines: tuple[int, ...]  # where a suppression may stand
    severity: str
    text: str

    @property
    def key(self) -> tuple[str, str, str, int]:
        return self.tool, self.path, self.rule, self.lines[0]


def _tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    return str(found) if found.exists() else shutil.which(name) or name


def bandit(root: Path, honour_nosec: bool) -> list[Finding]:
    """bandit's findings (every severity) in TARGETS under `root`."""
    command = [_tool("bandit"), "-r", *TARGETS, "-f", "json", "-q"]
    if not honour_nosec:
        command.append("--ignore-nosec")
    done = subprocess.run(  # noqa: S603  # nosec B603  # our tool, fixed arguments
        command, cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    return [
        Finding(
            "bandit",
            str(Path(item["filename"])),
            item["test_id"],
            tuple(item["line_range"]) or (item["line_number"],),
            item["issue_severity"],
            item["issue_text"],
        )
        for item in json.loads(done.stdout)["results"]
    ]


def ruff(root: Path, honour_noqa: bool, severities: dict) -> list[Finding]:
    """ruff's S findings in TARGETS under `root`, with bandit's severity."""
    command = [_tool("ruff"), "check", "--isolated", "--select", "S", "--no-cache"]
    command += ["--output-format", "json", "--exit-zero", *TARGETS]
    if not honour_noqa:
        command.append("--ignore-noqa")
    done = subprocess.run(  # noqa: S603  # nosec B603  # our tool, fixed arguments
        command, cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    found = []
    for item in json.loads(done.stdout):
        path = str(Path(item["filename"]).relative_to(root))
        rule = "B" + item["code"][1:]
        line = item.get("noqa_row") or item["location"]["row"]
        severity = _severity(severities, path, rule, line)
        found.append(Finding("ruff", path, rule, (line,), severity, item["message"]))
    return found


def _severity(severities: dict, path: str, rule: str, line: int) -> str:
    """Bandit's severity for `rule` at this place; MEDIUM when it has none."""
    for (where, bandit_rule, lines), severity in severities.items():
        if where == path and bandit_rule == rule and line in lines:
            return severity
    return "MEDIUM"


def reason(root: Path, finding: Finding) -> str:
    """The reason a suppression on the finding's lines gives (empty: none)."""
    source = (root / finding.path).read_text(encoding="utf-8").splitlines()
    for number in finding.lines:
        if number - 1 < len(source):
            marker = _MARKER.search(source[number - 1])
            if marker:
                return marker.group(0)
    return ""


def has_reason(suppression: str) -> bool:
    return len(_NOT_REASON.sub("", suppression)) >= MIN_REASON


@check("static-analysis")
def run(site: Site) -> Tally:
    tally = Tally("static-analysis")
    root = SCAN_ROOT
    every = bandit(root, honour_nosec=False)
    severities = {(f.path, f.rule, f.lines): f.severity for f in every}
    every += ruff(root, False, severities)
    remaining = {f.key for f in bandit(root, True) + ruff(root, True, severities)}
    for finding in every:
        if finding.severity not in SEVERE:
            continue
        where = f"{finding.tool} {finding.rule} {finding.path}:{finding.lines[0]}"
        suppression = reason(root, finding)
        if finding.key in remaining:
            tally.attempt(True, f"{where}: {finding.text}")
        else:
            tally.attempt(
                not has_reason(suppression), f"{where}: no reason in {suppression!r}"
            )
    return tally


FAULTY = """

def _planted_fault(command: str, document: str):
    import subprocess

    import yaml

    subprocess.call(command, shell=True)
    return yaml.load(document, Loader=yaml.Loader)
"""


@planted("static-analysis")
def _unsafe_module(site: Site, monkeypatch) -> None:
    """A copy of the code with a module running a shell command and loading
    YAML unsafely, and a suppression without a reason. The copy holds the
    two modules changed and the root modules (the whole tree is what the
    check's own run scans; here, bandit's time goes to what matters)."""
    copy = site.folder / "scanned"
    copy.mkdir()
    for target in TARGETS:
        if not (ROOT / target).is_dir():
            shutil.copy(ROOT / target, copy / target)
    for changed in ("cms/services/backup.py", "cms/text/notice.py"):
        (copy / changed).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / changed, copy / changed)
    module = copy / "cms" / "services" / "backup.py"
    module.write_text(module.read_text(encoding="utf-8") + FAULTY, encoding="utf-8")
    notice = copy / "cms" / "text" / "notice.py"
    notice.write_text(
        re.sub(r"(# nosec B704)\s*#.*", r"\1", notice.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    monkeypatch.setattr("tests.security.check_static_analysis.SCAN_ROOT", copy)
