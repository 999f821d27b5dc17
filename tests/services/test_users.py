"""cms.services.users: account rules, password storage, authentication."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from sqlalchemy import func, select

from cms import create_app
from cms.extensions import db
from cms.models import Role, User
from cms.services import passwords
from cms.services.errors import InvalidInput
from cms.services.passwords import hash_password
from cms.services.sessions import load_session_user, session_identity
from cms.services.users import authenticate, create_user

GOOD_PASSWORD = "correct horse battery staple"


def test_outside_tests_passwords_get_argon2id_at_the_library_defaults(app, app_config):
    """The suite hashes cheaply (TestingConfig); any other app must not.
    (`app` empties the shared PostgreSQL database afterwards.)"""
    real = create_app(app_config | {"PASSWORD_HASH_CHEAP": False})
    with real.app_context():
        if app_config["SQLALCHEMY_DATABASE_URI"] == "sqlite://":
            db.create_all()  # a new in-memory database of its own
        create_user("alice", Role.EDITOR, GOOD_PASSWORD)
        stored = stored_user("alice").password_hash
        assert authenticate("alice", GOOD_PASSWORD) is not None
        assert stored_user("alice").password_hash == stored  # no rehash needed
        db.session.remove()
        db.engine.dispose()
    params = extract_parameters(stored)
    defaults = PasswordHasher()
    assert params.type is Type.ID
    assert params.time_cost >= defaults.time_cost
    assert params.memory_cost >= defaults.memory_cost
    assert params.parallelism == defaults.parallelism


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def stored_user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


# -- create_user ---------------------------------------------------------------


@pytest.mark.parametrize("username", ["ab", "a" * 32, "user_name.x-1", "Bob", "007"])
def test_valid_usernames_are_accepted(ctx, username):
    create_user(username, Role.EDITOR, None)
    user = stored_user(username)
    assert user is not None
    assert user.role == Role.EDITOR


@pytest.mark.parametrize(
    "username",
    ["a", "a" * 33, "", "用户名", "bad name", "name@example.com", "ab\n", "a/b",
     "ab;", "<b>x</b>"],
)  # fmt: skip
def test_bad_usernames_are_refused_and_nothing_stored(ctx, username):
    with pytest.raises(InvalidInput, match="用户名"):
        create_user(username, Role.EDITOR, GOOD_PASSWORD)
    assert user_count() == 0


def test_a_taken_username_is_refused(ctx):
    create_user("alice", Role.ADMIN, GOOD_PASSWORD, "第一个")
    with pytest.raises(InvalidInput, match="已被使用"):
        create_user("alice", Role.CONTRIBUTOR, "another good passphrase", "第二个")
    assert user_count() == 1
    assert stored_user("alice").display_name == "第一个"
    assert stored_user("alice").role == Role.ADMIN


def test_an_unknown_role_is_refused(ctx):
    with pytest.raises(InvalidInput, match="role"):
        create_user("alice", "owner", GOOD_PASSWORD)
    assert user_count() == 0


@pytest.mark.parametrize("role", ["admin", "editor", "contributor"])
def test_roles_given_as_text_are_stored_as_roles(ctx, role):
    create_user("alice", role, GOOD_PASSWORD)
    assert stored_user("alice").role == Role(role)


@pytest.mark.parametrize("password", ["", "short", "123456789", "nine-char"])
def test_passwords_under_ten_characters_are_refused(ctx, password):
    with pytest.raises(InvalidInput, match="10"):
        create_user("alice", Role.EDITOR, password)
    assert user_count() == 0


def test_ten_characters_are_enough(ctx):
    create_user("alice", Role.EDITOR, "q7!Kd9#zLm")
    assert authenticate("alice", "q7!Kd9#zLm") is not None


@pytest.mark.parametrize(
    "password", ["1234567890", "qwertyuiop", "QWERTYUIOP", "aaaaaaaaaaaa", "          "]
)
def test_common_passwords_are_refused(ctx, password):
    with pytest.raises(InvalidInput, match="常见"):
        create_user("alice", Role.EDITOR, password)
    assert user_count() == 0


def test_the_common_password_list_is_loaded():
    common = passwords._common_passwords()
    assert len(common) > 50
    assert "1234567890" in common
    assert not any(word.startswith("#") for word in common)


@pytest.mark.parametrize("password", ["longusername1", "LongUserName1"])
def test_a_password_equal_to_the_username_is_refused(ctx, password):
    with pytest.raises(InvalidInput):
        create_user("longusername1", Role.EDITOR, password)
    assert user_count() == 0


def test_an_argon2_hash_is_stored_never_the_password(ctx):
    create_user("alice", Role.EDITOR, GOOD_PASSWORD)
    stored = stored_user("alice").password_hash
    assert stored.startswith("$argon2id$")
    assert GOOD_PASSWORD not in stored
    assert PasswordHasher().verify(stored, GOOD_PASSWORD)  # any argon2 verifier


def test_the_same_password_hashes_differently_each_time(ctx):
    create_user("alice", Role.EDITOR, GOOD_PASSWORD)
    create_user("bob", Role.EDITOR, GOOD_PASSWORD)
    assert stored_user("alice").password_hash != stored_user("bob").password_hash


def test_display_name_defaults_to_the_username_and_is_free_text(ctx):
    create_user("alice", Role.EDITOR, GOOD_PASSWORD)
    create_user("bob", Role.EDITOR, GOOD_PASSWORD, "  管理员 <b>  ")
    assert stored_user("alice").display_name == "alice"
    assert stored_user("bob").display_name == "管理员 <b>"


def test_an_overlong_display_name_is_refused(ctx):
    with pytest.raises(InvalidInput, match="100"):
        create_user("alice", Role.EDITOR, GOOD_PASSWORD, "名" * 101)
    assert user_count() == 0


def test_an_account_without_password_has_no_hash(ctx):
    create_user("demo", Role.CONTRIBUTOR, None, "演示", active=False)
    user = stored_user("demo")
    assert user.password_hash is None
    assert user.active is False


# -- authenticate --------------------------------------------------------------


@pytest.fixture
def alice(ctx):
    return create_user("alice", Role.EDITOR, GOOD_PASSWORD)


def test_the_right_password_authenticates(alice):
    user = authenticate("alice", GOOD_PASSWORD)
    assert user is not None
    assert user.id == alice.id


@pytest.mark.parametrize(
    "password", ["wrong password here", "", GOOD_PASSWORD.upper(), GOOD_PASSWORD + " "]
)
def test_a_wrong_password_does_not(alice, password):
    assert authenticate("alice", password) is None


@pytest.mark.parametrize("username", ["nobody", "", "alice ", "alic"])
def test_an_unknown_user_does_not(alice, username):
    assert authenticate(username, GOOD_PASSWORD) is None


def test_the_username_is_matched_whatever_its_case(alice):
    user = authenticate("ALICE", GOOD_PASSWORD)
    assert user is not None
    assert user.username == "alice"


def test_a_username_differing_only_in_case_is_taken(alice):
    with pytest.raises(InvalidInput):
        create_user("Alice", Role.EDITOR, GOOD_PASSWORD)


def test_an_inactive_user_does_not_even_with_the_right_password(ctx):
    create_user("alice", Role.EDITOR, GOOD_PASSWORD, active=False)
    assert authenticate("alice", GOOD_PASSWORD) is None


@pytest.mark.parametrize(
    "password", ["", "anything at all", "not-a-real-password-for-timing"]
)
def test_an_account_without_password_never_authenticates(ctx, password):
    # The last one is the dummy password the service compares against for
    # accounts without a hash: it must not open them.
    create_user("demo", Role.ADMIN, None, active=True)
    assert authenticate("demo", password) is None
    assert authenticate("nobody", password) is None


def test_an_outdated_hash_is_upgraded_on_login(alice):
    # Parameters the app's hasher does not use, like a hash from an older release.
    old = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(GOOD_PASSWORD)
    alice.password_hash = old
    db.session.commit()
    assert authenticate("alice", GOOD_PASSWORD) is not None
    upgraded = stored_user("alice").password_hash
    assert upgraded != old
    assert extract_parameters(upgraded) == extract_parameters(hash_password("x"))
    assert PasswordHasher().verify(upgraded, GOOD_PASSWORD)
    assert authenticate("alice", GOOD_PASSWORD) is not None


def test_a_current_hash_is_left_alone_on_login(alice):
    before = stored_user("alice").password_hash
    assert authenticate("alice", GOOD_PASSWORD) is not None
    assert stored_user("alice").password_hash == before


# -- load_session_user ---------------------------------------------------------

NOW = 1_800_000_000
WEEK = 7 * 24 * 3600.0


def opened(identity: str, now: float = NOW) -> User | None:
    return load_session_user(identity, now, WEEK)


def test_the_session_identity_names_the_user_its_version_and_the_login(alice):
    identity = session_identity(alice, NOW - 5.7)
    assert identity == f"{alice.id}:1:{NOW - 6}"
    assert opened(identity).id == alice.id


@pytest.mark.parametrize(
    "make_id",
    [lambda u: f"{u.id}:2:{NOW}", lambda u: f"{u.id}:0:{NOW}",
     lambda u: f"{u.id + 1}:1:{NOW}", lambda u: f"{u.id}:1", lambda u: str(u.id),
     lambda u: f"{u.id}:1:", lambda u: f"x:1:{NOW}", lambda u: "",
     lambda u: f"{u.id}:1:{NOW}:1", lambda u: f"-{u.id}:1:{NOW}",
     lambda u: f"{u.id}:1:-{NOW}", lambda u: f"{u.id}:1:{NOW}\n",
     lambda u: f"{u.id}:1:１８"],
)  # fmt: skip
def test_a_wrong_or_malformed_session_id_gives_no_user(alice, make_id):
    assert opened(make_id(alice)) is None


def test_bumping_the_session_version_ends_old_sessions(alice):
    old_id = session_identity(alice, NOW)
    alice.session_version += 1
    db.session.commit()
    assert opened(old_id) is None
    assert opened(session_identity(alice, NOW)).id == alice.id


def test_a_login_older_than_the_absolute_limit_opens_nothing(alice):
    identity = session_identity(alice, NOW)
    assert opened(identity, NOW + WEEK - 1).id == alice.id
    assert opened(identity, NOW + WEEK) is None
    # nor one that claims to come from the future (beyond a minute of skew)
    assert opened(identity, NOW - 61) is None
