"""The `flask cms ...` commands, run through Flask's CLI runner."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, Category, JobRun, Role, Setting, Tag, User
from cms.services.jobs import JOBS
from cms.services.setting_specs import SPECS

PASSWORD = "correct horse battery staple"


def cms(runner, *args, input=None):
    return runner.invoke(args=["cms", *args], input=input)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def user(app, username: str) -> User | None:
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def stored_settings(app) -> dict[str, str]:
    with app.app_context():
        return {s.key: s.value for s in db.session.scalars(select(Setting))}


# -- create-user ---------------------------------------------------------------


def test_create_user_with_a_password(app, runner):
    result = cms(runner, "create-user", "alice", "--role", "editor",
                 "--password", PASSWORD, "--display-name", "爱丽丝")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == "created editor alice\n"
    stored = user(app, "alice")
    assert stored.role == Role.EDITOR
    assert stored.display_name == "爱丽丝"
    assert stored.active is True
    assert PasswordHasher().verify(stored.password_hash, PASSWORD)


def test_create_user_prompts_for_the_password_twice(app, runner):
    result = cms(runner, "create-user", "bob", "--role", "admin",
                 input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "created admin bob" in result.stdout
    assert PASSWORD not in result.output  # the prompt hides what is typed
    stored = user(app, "bob")
    assert stored.role == Role.ADMIN
    assert stored.display_name == "bob"
    assert PasswordHasher().verify(stored.password_hash, PASSWORD)


def test_create_user_asks_again_when_the_two_entries_differ(app, runner):
    typed = f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n"
    result = cms(runner, "create-user", "bob", "--role", "admin", input=typed)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert PasswordHasher().verify(user(app, "bob").password_hash, PASSWORD)


@pytest.mark.parametrize("username", ["a", "has space", "名字", "x" * 33])
def test_create_user_refuses_a_bad_username(app, runner, username):
    result = cms(
        runner, "create-user", username, "--role", "editor", "--password", PASSWORD
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert "用户名" in result.stderr
    assert count(app, User) == 0


@pytest.mark.parametrize("password", ["short", "1234567890", "longusername"])
def test_create_user_refuses_a_weak_password(app, runner, password):
    result = cms(runner, "create-user", "longusername", "--role", "editor",
                 "--password", password)  # fmt: skip
    assert result.exit_code == 2
    assert "Error: " in result.stderr
    assert "密码" in result.stderr
    assert count(app, User) == 0


def test_create_user_refuses_a_taken_username(app, runner):
    assert cms(runner, "create-user", "alice", "--role", "editor", "--password",
               PASSWORD).exit_code == 0  # fmt: skip
    result = cms(
        runner, "create-user", "alice", "--role", "admin", "--password", PASSWORD
    )
    assert result.exit_code == 2
    assert "已被使用" in result.stderr
    assert count(app, User) == 1
    assert user(app, "alice").role == Role.EDITOR


def test_create_user_needs_a_known_role(app, runner):
    result = cms(
        runner, "create-user", "alice", "--role", "owner", "--password", PASSWORD
    )
    assert result.exit_code == 2
    assert "owner" in result.stderr
    assert count(app, User) == 0


# -- setting -------------------------------------------------------------------


def test_setting_list_prints_one_key_value_line_per_setting(app, runner):
    result = cms(runner, "setting", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(SPECS)
    pairs = [re.fullmatch(r"(\S+) = (.*)", line) for line in lines]
    assert all(pairs), lines
    assert [m.group(1) for m in pairs] == sorted(SPECS)
    assert dict(m.groups() for m in pairs)["site.timezone"] == "Asia/Shanghai"


def test_setting_list_shows_stored_values(app, runner):
    assert cms(runner, "setting", "set", "site.name", "资源分享网").exit_code == 0
    lines = cms(runner, "setting", "list").stdout.splitlines()
    assert "site.name = 资源分享网" in lines


def test_setting_get_prints_the_value_alone(app, runner):
    result = cms(runner, "setting", "get", "site.timezone")
    assert result.exit_code == 0
    assert result.stdout == "Asia/Shanghai\n"


def test_setting_set_stores_the_value(app, runner):
    result = cms(runner, "setting", "set", "site.timezone", "Europe/Berlin")
    assert result.exit_code == 0, result.output
    assert result.stdout == "site.timezone = Europe/Berlin\n"
    assert stored_settings(app) == {"site.timezone": "Europe/Berlin"}
    assert cms(runner, "setting", "get", "site.timezone").stdout == "Europe/Berlin\n"


def test_setting_set_and_get_yes_no_and_numbers(app, runner):
    assert (
        cms(runner, "setting", "set", "comments.require_approval", "yes").exit_code == 0
    )
    assert cms(runner, "setting", "set", "comments.flood_seconds", "30").exit_code == 0
    assert cms(runner, "setting", "get", "comments.require_approval").stdout == "true\n"
    assert cms(runner, "setting", "get", "comments.flood_seconds").stdout == "30\n"
    assert stored_settings(app) == {
        "comments.require_approval": "true",
        "comments.flood_seconds": "30",
    }


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("comments.flood_seconds", "abc", "不是整数"),
     ("comments.require_approval", "maybe", "是/否"),
     ("site.timezone", "Mars/Olympus", "时区"),
     ("site.reprint_notice", "来自{author}", "占位符"),
     ("site.name", "资源\x00分享", "控制字符"),
     ("site.logo", "ab/\x1b.png", "控制字符")],
)  # fmt: skip
def test_setting_set_refuses_a_bad_value_and_stores_nothing(
    app, runner, key, value, message
):
    result = cms(runner, "setting", "set", key, value)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {key}: ")
    assert message in result.stderr
    assert result.stdout == ""
    assert stored_settings(app) == {}


@pytest.mark.parametrize("command", [("get", "no.such"), ("set", "no.such", "x")])
def test_an_unknown_key_is_refused(app, runner, command):
    result = cms(runner, "setting", *command)
    assert result.exit_code == 2
    assert "unknown setting 'no.such'" in result.stderr
    assert result.stdout == ""
    assert stored_settings(app) == {}


def test_a_value_of_several_lines_still_lists_on_one_line(app, runner):
    # Rule lists hold one rule a line; `list` and `get` must stay one line each.
    from cms.services.settings import get_setting, set_setting

    with app.app_context():
        set_setting("comments.moderation_words", "第一条\n第二条")
    lines = cms(runner, "setting", "list").stdout.splitlines()
    assert len(lines) == len(SPECS)
    (line,) = [x for x in lines if x.startswith("comments.moderation_words = ")]
    assert "第一条" in line and "第二条" in line
    got = cms(runner, "setting", "get", "comments.moderation_words").stdout
    assert got.count("\n") == 1
    # What `get` prints can be given back to `set` and means the same value.
    assert cms(runner, "setting", "set", "comments.moderation_words",
               got.rstrip("\n")).exit_code == 0  # fmt: skip
    with app.app_context():
        assert get_setting("comments.moderation_words") == "第一条\n第二条"


# -- seed-demo -----------------------------------------------------------------


def _counts(app) -> dict[str, int]:
    return {m.__name__: count(app, m) for m in (Article, Category, Tag, User, Setting)}


def test_seed_demo_twice_adds_nothing_the_second_time(app, runner):
    first = cms(runner, "seed-demo")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("demo: 49 article(s) and ")
    after_first = _counts(app)
    assert after_first["Article"] == 49
    assert after_first["Category"] == 8
    second = cms(runner, "seed-demo")
    assert second.exit_code == 0
    assert second.stdout == (
        "demo: 0 article(s) and 0 setting(s) added; "
        "0 page(s) and 0 menu link(s) added\n"
    )
    assert _counts(app) == after_first


def test_seed_demo_if_empty_does_nothing_on_a_site_with_content(app, runner):
    assert cms(runner, "create-user", "alice", "--role", "admin", "--password",
               PASSWORD).exit_code == 0  # fmt: skip
    result = cms(runner, "seed-demo", "--if-empty")
    assert result.exit_code == 0
    assert result.stdout == "demo: the site has content; nothing loaded\n"
    assert _counts(app) == {
        "Article": 0,
        "Category": 0,
        "Tag": 0,
        "User": 1,
        "Setting": 0,
    }


def test_seed_demo_if_empty_loads_an_empty_site(app, runner):
    result = cms(runner, "seed-demo", "--if-empty")
    assert result.exit_code == 0
    assert result.stdout.startswith("demo: 49 article(s)")
    assert count(app, Article) == 49


# -- tick ----------------------------------------------------------------------


def test_tick_runs_the_due_jobs_and_reports_them(app, runner):
    names = [job.name for job in JOBS]
    result = cms(runner, "tick")
    assert result.exit_code == 0
    assert result.stdout == f"tick: {len(names)} job(s) ran: {', '.join(names)}\n"
    with app.app_context():
        assert set(db.session.scalars(select(JobRun.name))) == set(names)
    again = cms(runner, "tick")
    assert again.exit_code == 0
    assert again.stdout == "tick: 0 job(s) ran\n"
