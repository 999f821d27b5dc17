"""Changing one's own password, and the forgotten-password pages when the
site sends no e-mail."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.users.support import (
    account,
    area_status,
    audit_entries,
    entry_text,
    field_error,
    login_status,
    parse,
)

NEW_PASSWORD = "a brand new passphrase"


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/moderation/password", data={
        "current_password": current, "new_password": new,
        "confirm": new if confirm is None else confirm,
    })  # fmt: skip


@pytest.fixture
def me(client, login, editor):
    assert login(editor).status_code == 303
    return editor


def test_the_form(client, me):
    soup = parse(client.get("/moderation/password"))

    names = [i["name"] for i in soup.select("form[method=post] input[type=password]")]
    assert names == ["current_password", "new_password", "confirm"]


def test_a_wrong_current_password_is_400_and_nothing_changes(app, client, me):
    before = account(app, me)

    response = change(client, current="not my password at all")

    assert response.status_code == 400
    assert field_error(parse(response), "current_password") == "当前密码不正确"
    after = account(app, me)
    assert after.password_hash == before.password_hash
    assert after.session_version == before.session_version
    assert audit_entries(app) == []
    assert login_status(app.test_client(), me, PASSWORD) == 303


@pytest.mark.parametrize(
    "new, confirm, field, message",
    [(NEW_PASSWORD, "something else entirely", "confirm", "不一致"),
     ("short", None, "new_password", "10"),
     ("1234567890", None, "new_password", "常见"),
     (PASSWORD, None, "new_password", "相同")],
)  # fmt: skip
def test_a_bad_new_password_is_400(app, client, me, new, confirm, field, message):
    before = account(app, me).password_hash

    response = change(client, new=new, confirm=confirm)

    assert response.status_code == 400
    assert message in field_error(parse(response), field)
    assert account(app, me).password_hash == before


def test_success_keeps_this_session_and_ends_the_others(app, client, me, second_client):
    other = second_client(me)
    before = account(app, me)

    response = change(client)

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/profile"
    after = account(app, me)
    assert after.password_hash != before.password_hash
    assert after.session_version == before.session_version + 1
    assert area_status(client) == 200  # still logged in here
    assert area_status(other) == 302  # logged out there
    assert login_status(app.test_client(), me, PASSWORD) == 401
    assert login_status(app.test_client(), me, NEW_PASSWORD) == 303
    [entry] = audit_entries(app)
    assert entry.action == "password-change"
    assert entry.actor_id == after.id and entry.target_ids == [after.id]
    assert NEW_PASSWORD not in entry_text(entry) and PASSWORD not in entry_text(entry)


def test_a_remembered_login_stays_remembered(app, client, editor):
    client.post("/auth/login", data={"username": editor, "password": PASSWORD,
                                     "remember": "y"})  # fmt: skip
    assert client.get_cookie("remember_token") is not None

    assert change(client).status_code == 303

    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.value.startswith(f"{account(app, editor).id}:2:")
    client.delete_cookie("session")  # the browser was closed: the cookie logs in
    assert area_status(client) == 200


def test_wrong_current_passwords_are_rate_limited(app, client, me):
    statuses = [change(client, current=f"wrong guess {i:04}").status_code
                for i in range(6)]  # fmt: skip

    assert statuses == [400] * 5 + [429]


# -- forgotten password without e-mail -----------------------------------------


def test_without_mail_the_login_page_has_no_reset_link(client):
    soup = parse(client.get("/auth/login"))
    assert soup.select_one("a[href='/auth/forgot']") is None


def test_without_mail_the_forgot_page_says_to_ask_an_admin(client, editor):
    page = client.get("/auth/forgot")
    posted = client.post("/auth/forgot", data={"identifier": editor})

    for response in (page, posted):
        assert response.status_code == 200
        text = parse(response).select_one(".auth-box").get_text()
        assert "请联系网站管理员" in text
        assert parse(response).select_one("input[name=identifier]") is None
