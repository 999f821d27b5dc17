"""Fixtures for the e-mail tests: the app sends to the real SMTP server of
tests/conftest.py; staff with and without e-mail addresses, and an article."""

from __future__ import annotations

import pytest

from cms.extensions import db
from cms.models import User
from cms.services.settings import set_setting
from cms.services.users import create_user
from tests.factories import make_article


@pytest.fixture
def app_config(app_config, inbox, smtp_server):
    """The app sends its mail to the test server."""
    app_config["MAIL_URL"] = smtp_server.url
    return app_config


@pytest.fixture
def staff(app):
    """Accounts: who gets moderation mail (admin, editor) and who does not
    (an editor without an address, an inactive editor, a contributor).
    Returns {username: id}."""
    accounts = [
        ("boss", "admin", "Boss@Example.CN", True),
        ("editor-user", "editor", "editor@example.cn", True),
        ("no-mail", "editor", None, True),
        ("gone", "editor", "gone@example.cn", False),
        ("writer", "contributor", "writer@example.cn", True),
    ]
    with app.app_context():
        return {
            name: create_user(name, role, None, email=address, active=active).id
            for name, role, address, active in accounts
        }


@pytest.fixture
def article(app, staff):
    """A published article by the contributor; the timing rules are off."""
    with app.app_context():
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.flood_seconds", "0")
        owner = db.session.get(User, staff["writer"])
        return make_article(title="邮件审核测试文章", owner=owner)


@pytest.fixture
def settings(app):
    """settings(key=value, ...) with dots written as double underscores."""

    def do(**values: str) -> None:
        with app.app_context():
            for key, value in values.items():
                set_setting(key.replace("__", "."), value)

    return do
