"""The architecture contract (pyproject [tool.importlinter]) holds for the code,
and breaks when a forbidden import or an import cycle is added.

Each "breaks" case copies the package and the contract into a temporary
directory, adds one small module there, and runs `lint-imports` on the copy:
the real tree is never touched."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    """Run the checker in `where` (it reads ./pyproject.toml and finds ./cms)."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy(tmp_path):
    """A copy of cms/ and pyproject.toml to add modules to."""
    shutil.copytree(
        ROOT / "cms",
        tmp_path / "cms",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_module(root: Path, dotted: str, source: str) -> None:
    path = root.joinpath(*dotted.split(".")).with_suffix(".py")
    path.write_text(f'"""Probe for tests/test_architecture.py."""\n\n{source}\n')


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_unchanged_copy_keeps_every_contract(copy):
    # The probes below are the only difference, so a broken contract there is
    # the probe's doing.
    result = lint_imports(copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        # Services import no web package.
        (
            "cms.services.probe",
            "import cms.public.views",
            "cms.services is not allowed to import cms.public",
        ),
        # Models import no services.
        (
            "cms.models.probe",
            "from cms.services import errors",
            "cms.models is not allowed to import cms.services",
        ),
        # Text imports nothing of ours...
        (
            "cms.text.probe",
            "from cms.models import Article",
            "cms.text is not allowed to import cms.models",
        ),
        # ... and no database or Flask either.
        (
            "cms.text.probe",
            "import sqlalchemy",
            "cms.text is not allowed to import sqlalchemy",
        ),
        # Services take plain arguments, not forms.
        (
            "cms.services.probe",
            "import wtforms",
            "cms.services is not allowed to import wtforms",
        ),
        # One web blueprint does not reach into another.
        (
            "cms.tipping.probe",
            "import cms.moderation.views",
            "cms.tipping is not allowed to import cms.moderation",
        ),
    ],
)
def test_a_forbidden_import_breaks_the_contract(copy, module, source, broken):
    add_module(copy, module, source)
    result = lint_imports(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken in result.stdout
    assert re.search(rf"-\s+{re.escape(module)} -> ", result.stdout)  # the culprit


def test_an_import_cycle_between_services_breaks_the_contract(copy):
    add_module(copy, "cms.services.probe_a", "from cms.services import probe_b")
    add_module(copy, "cms.services.probe_b", "from cms.services import probe_a")
    result = lint_imports(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "No cycles are allowed in cms.services" in result.stdout


def test_an_import_cycle_between_packages_breaks_the_contract(copy):
    # cms.comments already imports cms.public (the comment form lives there);
    # the reverse would close the cycle that the comment form once made.
    add_module(copy, "cms.public.probe", "import cms.comments.views")
    result = lint_imports(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cms.public is not allowed to import cms.comments" in result.stdout
    assert "No cycles are allowed in cms." in result.stdout
