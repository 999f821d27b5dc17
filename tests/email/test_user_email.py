"""Staff need an e-mail address to get moderation mail: create_user(email=…)
and `flask cms create-user --email`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import User
from cms.services.errors import InvalidInput
from cms.services.users import create_user


def email_of(username: str) -> str | None:
    return db.session.scalar(select(User.email).where(User.username == username))


def test_create_user_stores_the_address_lower_case(ctx):
    user = create_user("ed", "editor", None, email="  Editor.Name@Example.CN ")
    assert user.email == "editor.name@example.cn"
    assert email_of("ed") == "editor.name@example.cn"


@pytest.mark.parametrize("address", [None, "", "   "])
def test_the_address_is_optional(ctx, address):
    assert create_user("ed", "editor", None, email=address).email is None


@pytest.mark.parametrize(
    "address", ["not-an-address", "a@b", "two@@example.cn", "x" * 250 + "@example.cn"]
)
def test_a_bad_address_is_refused_and_nothing_stored(ctx, address):
    with pytest.raises(InvalidInput, match="邮箱格式不正确"):
        create_user("ed", "editor", None, email=address)
    assert db.session.scalar(select(User).where(User.username == "ed")) is None


def test_cli_create_user_with_email(app, runner):
    result = runner.invoke(args=[
        "cms", "create-user", "chief", "--role", "editor",
        "--password", "correct horse battery staple", "--email", "Chief@Example.CN",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == "created editor chief\n"
    with app.app_context():
        assert email_of("chief") == "chief@example.cn"


def test_cli_create_user_refuses_a_bad_email(app, runner):
    result = runner.invoke(args=[
        "cms", "create-user", "chief", "--role", "editor",
        "--password", "correct horse battery staple", "--email", "nope",
    ])  # fmt: skip
    assert result.exit_code == 2
    assert "邮箱格式不正确" in result.stderr
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "chief")) is None
