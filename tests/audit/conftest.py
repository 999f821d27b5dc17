"""Fixtures for the audit log tests: an admin's client and entries written
at chosen times."""

from __future__ import annotations

from datetime import datetime

import pytest

from cms.database import write_transaction
from cms.extensions import db
from cms.models import User
from cms.services.audit import record


@pytest.fixture
def admin_client(client, login, admin):
    """The test client, logged in as an admin."""
    assert login(admin).status_code == 303
    return client


@pytest.fixture
def add_entry(app):
    """add_entry(action, when=None, actor=None (a User id), **fields) -> id:
    an audit entry as a service records it, at `when` (aware) if given."""

    def add(
        action: str,
        when: datetime | None = None,
        actor: int | None = None,
        target_type: str = "category",
        target_ids=(),
        changes=None,
        reason: str = "",
    ) -> int:
        with app.app_context(), write_transaction():
            user = db.session.get(User, actor) if actor is not None else None
            entry = record(user, action, target_type, target_ids, changes, reason)
            if when is not None:
                entry.created_at = when
            return entry.id

    return add
