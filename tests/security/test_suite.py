"""Every check of `make security` finds nothing on the app as it is, and each
one can fail: with a fault planted (a defence switched off), its count rises
above its bound."""

from __future__ import annotations

import pytest

from tests.security import checks  # noqa: F401  (registers the checks)
from tests.security.harness import CHECKS, PLANTED, Site

pytestmark = pytest.mark.security


@pytest.fixture(scope="module")
def site():
    made = Site()
    yield made
    made.close()


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_check_finds_nothing(site, name):
    tally = CHECKS[name](site)
    assert tally.tried > 0
    assert tally.ok, f"{tally.line()}: {tally.examples}"


def test_every_check_has_a_planted_fault():
    assert set(PLANTED) == set(CHECKS)


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_a_planted_fault_is_found(name, monkeypatch):
    faulty = Site()
    faulty.quick = True
    try:
        PLANTED[name](faulty, monkeypatch)
        tally = CHECKS[name](faulty)
        assert tally.found > tally.bound, tally.line()
    finally:
        faulty.close()
