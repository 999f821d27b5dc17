"""Every check of `make security` finds nothing on the app as it is, and each
one can fail: with a fault planted (a defence switched off), its count rises
above its bound."""

from __future__ import annotations

import pytest

from tests.security import checks  # noqa: F401  (registers the checks)
from tests.security.harness import CHECKS, Site

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


def _csrf_off(site, monkeypatch):
    site.app.config["WTF_CSRF_ENABLED"] = False
    monkeypatch.setattr("cms.security.check_origin", lambda *a, **k: None)


def _any_next(site, monkeypatch):
    for module in ("cms.auth.views", "cms.moderation.rows"):
        monkeypatch.setattr(f"{module}.safe_next", lambda target: target or None)


def _no_headers(site, monkeypatch):
    from cms.security import _add_headers

    funcs = site.app.after_request_funcs[None]
    funcs.remove(_add_headers)


def _no_role_guard(site, monkeypatch):
    from cms.models import Role

    monkeypatch.setattr(
        "cms.moderation.views.allowed_roles", lambda endpoint: frozenset(Role)
    )


class _NoCleaning:
    def clean(self, html: str) -> str:
        return html


def _sanitizer_off(site, monkeypatch):
    monkeypatch.setattr("cms.text.markdown._cleaner", _NoCleaning)


def _dashboard_writes(site, monkeypatch):
    """The dashboard marks every held comment as seen… by approving it."""
    from sqlalchemy import select

    from cms.extensions import db
    from cms.models import Comment, CommentStatus
    from cms.services.moderation import apply_action

    view = site.app.view_functions["moderation.dashboard"]

    def writing_view(*args, **kwargs):
        held = select(Comment.id).where(Comment.status == CommentStatus.PENDING)
        ids = list(db.session.scalars(held))
        if ids:
            apply_action(ids, "approve", None)
        return view(*args, **kwargs)

    monkeypatch.setitem(site.app.view_functions, "moderation.dashboard", writing_view)


def _no_common_list(site, monkeypatch):
    monkeypatch.setattr("cms.services.passwords._common_passwords", frozenset)


PLANTED = {
    "access": _no_role_guard,
    "csrf": _csrf_off,
    "headers": _no_headers,
    "open-redirect": _any_next,
    "passwords": _no_common_list,
    "safe-methods": _dashboard_writes,
    "xss": _sanitizer_off,
}


def test_every_check_has_a_planted_fault():
    assert set(PLANTED) == set(CHECKS)


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_a_planted_fault_is_found(name, monkeypatch):
    faulty = Site()
    try:
        PLANTED[name](faulty, monkeypatch)
        tally = CHECKS[name](faulty)
        assert tally.found > tally.bound, tally.line()
    finally:
        faulty.close()
