"""Fixtures for the account tests: uploads in a temporary folder, an admin's
logged-in client, and second clients for "the other session"."""

from __future__ import annotations

import pytest

from tests.users.support import logged_in_client


@pytest.fixture
def app_config(app_config, tmp_path):
    """Uploads (avatars) go to a temporary folder, not the instance's."""
    app_config["MEDIA_URL"] = f"file://{tmp_path / 'media'}"
    return app_config


@pytest.fixture
def admin_client(client, login, admin):
    """The test client, logged in as an admin."""
    assert login(admin).status_code == 303
    return client


@pytest.fixture
def second_client(app):
    """second_client(username, password=…) gives another browser, logged in."""

    def make(username: str, password: str | None = None):
        return logged_in_client(app, username, password)

    return make
