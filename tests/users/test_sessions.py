"""Ending sessions: deactivating an account or giving it a new password logs
it out everywhere at once (its next request is anonymous)."""

from __future__ import annotations

import time

from cms.extensions import db
from cms.models import User
from cms.services.sessions import load_session_user, session_identity
from tests.conftest import PASSWORD
from tests.users.support import (
    account,
    area_status,
    audit_entries,
    entry_text,
    login_status,
    user_id,
)

NEW_PASSWORD = "a brand new passphrase"


def deactivate(admin_client, app, username: str):
    user = account(app, username)
    data = {"do": "save", "display_name": user.display_name, "role": user.role.value}
    return admin_client.post(f"/moderation/users/{user.id}", data=data)


def test_deactivation_ends_the_sessions_at_once(
    app, admin_client, editor, second_client
):
    theirs = second_client(editor)
    version = account(app, editor).session_version

    response = deactivate(admin_client, app, editor)

    assert response.status_code == 303
    user = account(app, editor)
    assert user.active is False
    assert user.session_version == version + 1
    # their next request is anonymous: the area sends them to the login page
    assert area_status(theirs) == 302
    assert theirs.get("/moderation/comments").status_code == 302
    # and they cannot log in again
    assert login_status(theirs, editor) == 401
    assert login_status(app.test_client(), editor) == 401
    [entry] = audit_entries(app)
    assert entry.action == "user-deactivate"
    assert entry.changes == {"active": {"from": True, "to": False}}
    assert admin_client.get("/moderation/").status_code == 200  # the admin stays


def test_reactivation_lets_them_log_in_again(app, admin_client, editor):
    deactivate(admin_client, app, editor)
    user = account(app, editor)
    data = {"do": "save", "display_name": user.display_name,
            "role": user.role.value, "active": "y"}  # fmt: skip

    response = admin_client.post(f"/moderation/users/{user.id}", data=data)

    assert response.status_code == 303
    assert account(app, editor).active is True
    assert [e.action for e in audit_entries(app)] == [
        "user-deactivate",
        "user-activate",
    ]
    assert login_status(app.test_client(), editor) == 303


def test_an_inactive_account_loses_a_session_even_without_a_new_version(app, editor):
    """load_session_user itself refuses inactive accounts (belt and braces:
    an account switched off by other means than the users page)."""
    with app.app_context():
        user = db.session.get(User, user_id(app, editor))
        session_id = session_identity(user, time.time())
        assert load_session_user(session_id, time.time(), 3600) is not None
        user.active = False
        db.session.commit()
        assert load_session_user(session_id, time.time(), 3600) is None


def test_an_admin_password_reset_ends_sessions_and_the_new_password_works(
    app, admin_client, editor, second_client
):
    theirs = second_client(editor)
    target = user_id(app, editor)
    before = account(app, editor)

    response = admin_client.post(
        f"/moderation/users/{target}", data={"do": "password", "password": NEW_PASSWORD}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/moderation/users/{target}"
    after = account(app, editor)
    assert after.password_hash != before.password_hash
    assert after.session_version == before.session_version + 1
    assert area_status(theirs) == 302
    assert login_status(app.test_client(), editor, PASSWORD) == 401
    assert login_status(app.test_client(), editor, NEW_PASSWORD) == 303
    [entry] = audit_entries(app)
    assert entry.action == "user-password-reset"
    assert entry.target_ids == [target]
    assert NEW_PASSWORD not in entry_text(entry)
    assert after.password_hash not in entry_text(entry)


def test_editing_other_fields_keeps_the_sessions(
    app, admin_client, editor, second_client
):
    theirs = second_client(editor)
    user = account(app, editor)
    data = {"do": "save", "display_name": "改名了", "role": "admin", "active": "y"}

    assert (
        admin_client.post(f"/moderation/users/{user.id}", data=data).status_code == 303
    )

    assert account(app, editor).session_version == user.session_version
    assert area_status(theirs) == 200
