"""The users page: admins only; listing, creating, editing accounts, and the
rules that keep the site administrable."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Role, User
from cms.services.errors import InvalidInput
from cms.services.users import AccountEdit, edit_account
from tests.conftest import PASSWORD
from tests.factories import make_article, make_user
from tests.users.support import (
    account,
    audit_entries,
    entry_text,
    field_error,
    parse,
    user_id,
)

NEW = {"username": "newbie", "display_name": "新同事", "email": "New@Example.CN",
       "role": "editor", "password": "a long enough passphrase"}  # fmt: skip


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def edit_data(app, username: str, **changes) -> dict:
    """The edit form as stored for `username`, with `changes` applied."""
    user = account(app, username)
    data = {"do": "save", "display_name": user.display_name,
            "email": user.email or "", "role": user.role.value}  # fmt: skip
    if user.active:
        data["active"] = "y"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# -- access --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "contributor"])
def test_only_admins_enter_the_users_pages(request, app, client, login, role):
    target = make_target(app)
    login(request.getfixturevalue(role))

    assert client.get("/moderation/users").status_code == 403
    assert client.post("/moderation/users", data=NEW).status_code == 403
    assert client.get(f"/moderation/users/{target}").status_code == 403
    post = client.post(
        f"/moderation/users/{target}", data={"do": "save", "role": "admin"}
    )
    assert post.status_code == 403
    assert user_count(app) == 2  # nothing created
    assert account(app, "target").role == Role.CONTRIBUTOR


def make_target(app) -> int:
    with app.app_context():
        return make_user("target", password=None).id


def test_admins_get_both_pages(app, admin_client):
    target = make_target(app)

    assert admin_client.get("/moderation/users").status_code == 200
    assert admin_client.get(f"/moderation/users/{target}").status_code == 200


def test_an_unknown_account_is_404(admin_client):
    assert admin_client.get("/moderation/users/999").status_code == 404
    assert (
        admin_client.post("/moderation/users/999", data={"do": "save"}).status_code
        == 404
    )


def test_an_unknown_form_is_400(app, admin_client):
    target = make_target(app)
    response = admin_client.post(f"/moderation/users/{target}", data={"do": "drop"})
    assert response.status_code == 400


# -- the list ------------------------------------------------------------------


def test_the_list_shows_every_account(app, admin_client, admin):
    with app.app_context():
        writer = make_user("writer", display_name="写手", password=None)
        make_article(owner=writer)
        make_article(owner=writer)
        make_user("gone", active=False, password=None)

    soup = parse(admin_client.get("/moderation/users"))

    rows = {
        tr.select_one("td a").get_text(strip=True): [
            td.get_text(" ", strip=True) for td in tr.select("td")
        ]
        for tr in soup.select(".users-table tbody tr")
    }
    assert set(rows) == {admin, "writer", "gone"}
    assert rows["writer"][1:3] == ["写手", "投稿者"]
    assert rows["writer"][4] == "启用" and rows["gone"][4] == "停用"
    assert rows["writer"][6] == "2" and rows[admin][6] == "0"
    assert rows[admin][2] == "管理员"
    writer_id = user_id(app, "writer")
    assert soup.select_one(f".users-table a[href='/moderation/users/{writer_id}']")


# -- creating ------------------------------------------------------------------


def test_creating_an_account(app, admin_client, admin):
    response = admin_client.post("/moderation/users", data=NEW)

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/users"
    user = account(app, "newbie")
    assert (user.display_name, user.email, user.role, user.active) == (
        "新同事", "new@example.cn", Role.EDITOR, True
    )  # fmt: skip
    [entry] = audit_entries(app, "user-create")
    assert entry.actor_id == user_id(app, admin)
    assert entry.target_type == "user" and entry.target_ids == [user.id]
    assert entry.changes["role"] == "editor"
    assert NEW["password"] not in entry_text(entry)
    assert user.password_hash not in entry_text(entry)
    other = app.test_client()
    assert other.post("/auth/login", data={"username": "newbie",
                      "password": NEW["password"]}).status_code == 303  # fmt: skip


def test_a_taken_name_is_400_and_nothing_stored(app, admin_client, admin):
    before = user_count(app)

    response = admin_client.post(
        "/moderation/users", data=NEW | {"username": admin.upper()}
    )

    assert response.status_code == 400
    soup = parse(response)
    assert "已被使用" in field_error(soup, "username")
    assert soup.select_one("input[name=display_name]")["value"] == "新同事"
    assert soup.select_one("select[name=role] option[selected]")["value"] == "editor"
    assert user_count(app) == before
    assert audit_entries(app) == []


@pytest.mark.parametrize(
    "password, message", [("short", "10"), ("1234567890", "常见"), ("newbie", "10")]
)
def test_a_weak_password_is_400_and_nothing_stored(
    app, admin_client, password, message
):
    before = user_count(app)

    response = admin_client.post("/moderation/users", data=NEW | {"password": password})

    assert response.status_code == 400
    soup = parse(response)
    assert message in field_error(soup, "password")
    assert soup.select_one("input[name=password]").get("value") in (None, "")
    assert soup.select_one("input[name=username]")["value"] == "newbie"
    assert user_count(app) == before
    assert account(app, "newbie") is None


@pytest.mark.parametrize(
    "changes, field",
    [({"username": "bad name"}, "username"), ({"email": "not-an-address"}, "email"),
     ({"display_name": "名" * 101}, "display_name"), ({"username": ""}, "username")],
)  # fmt: skip
def test_other_bad_values_are_400_beside_their_field(app, admin_client, changes, field):
    before = user_count(app)

    response = admin_client.post("/moderation/users", data=NEW | changes)

    assert response.status_code == 400
    assert field_error(parse(response), field)
    assert user_count(app) == before


# -- editing -------------------------------------------------------------------


def test_changing_the_role_is_audited(app, admin_client, admin, editor):
    target = user_id(app, editor)

    response = admin_client.post(
        f"/moderation/users/{target}", data=edit_data(app, editor, role="admin")
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/moderation/users/{target}"
    assert account(app, editor).role == Role.ADMIN
    [entry] = audit_entries(app)
    assert entry.action == "user-role"
    assert entry.actor_id == user_id(app, admin)
    assert entry.target_type == "user" and entry.target_ids == [target]
    assert entry.changes == {"role": {"from": "editor", "to": "admin"}}


def test_name_and_address_are_one_entry_listing_only_what_changed(
    app, admin_client, editor
):
    target = user_id(app, editor)
    data = edit_data(app, editor, display_name="新名字", email="ED@example.cn")

    assert (
        admin_client.post(f"/moderation/users/{target}", data=data).status_code == 303
    )
    assert (
        admin_client.post(f"/moderation/users/{target}", data=data).status_code == 303
    )

    user = account(app, editor)
    assert (user.display_name, user.email) == ("新名字", "ed@example.cn")
    [entry] = audit_entries(app)  # the second, unchanged save wrote nothing
    assert entry.action == "user-update"
    assert entry.changes == {
        "display_name": {"from": editor, "to": "新名字"},
        "email": {"from": None, "to": "ed@example.cn"},
    }


def test_a_bad_edit_is_400_with_the_input_kept_and_nothing_changed(
    app, admin_client, editor
):
    target = user_id(app, editor)
    data = edit_data(app, editor, display_name="改了", email="nope", role="admin")

    response = admin_client.post(f"/moderation/users/{target}", data=data)

    assert response.status_code == 400
    soup = parse(response)
    assert "邮箱格式不正确" in field_error(soup, "email")
    assert soup.select_one("input[name=display_name]")["value"] == "改了"
    assert soup.select_one("input[name=email]")["value"] == "nope"
    user = account(app, editor)
    assert (user.display_name, user.role) == (editor, Role.EDITOR)
    assert audit_entries(app) == []


def test_the_edit_page_shows_the_stored_account(app, admin_client, editor):
    target = user_id(app, editor)

    soup = parse(admin_client.get(f"/moderation/users/{target}"))

    save = soup.select_one("input[name=do][value=save]").find_parent("form")
    assert save.select_one("input[name=display_name]")["value"] == editor
    assert save.select_one("select[name=role] option[selected]")["value"] == "editor"
    assert save.select_one("input[name=active]").has_attr("checked")
    assert audit_entries(app) == []  # a GET changes nothing


# -- keeping the site administrable --------------------------------------------


def test_an_admin_cannot_demote_or_deactivate_themselves(app, admin_client, admin):
    me = user_id(app, admin)
    page = parse(admin_client.get(f"/moderation/users/{me}"))
    assert page.select_one("select[name=role]") is None  # not offered

    demote = admin_client.post(f"/moderation/users/{me}",
                               data=edit_data(app, admin, role="editor"))  # fmt: skip
    leave = admin_client.post(f"/moderation/users/{me}",
                              data=edit_data(app, admin, active=None))  # fmt: skip

    assert demote.status_code == 400
    assert "不能更改自己的角色" in parse(demote).select_one(".form-error").get_text()
    assert leave.status_code == 400
    assert "不能停用自己的账号" in parse(leave).select_one(".form-error").get_text()
    user = account(app, admin)
    assert (user.role, user.active) == (Role.ADMIN, True)
    assert audit_entries(app) == []


def test_an_admin_may_demote_another_admin(app, admin_client):
    with app.app_context():
        make_user("second", role=Role.ADMIN, password=None)
    target = user_id(app, "second")

    response = admin_client.post(
        f"/moderation/users/{target}", data=edit_data(app, "second", role="editor")
    )

    assert response.status_code == 303
    assert account(app, "second").role == Role.EDITOR


def test_the_last_active_admin_is_never_demoted_or_deactivated(app, admin):
    """Two admins at once: the one demoted a moment ago (still holding the
    page) cannot then demote the other, who is now the last."""
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.username == admin))
        other = make_user("second", role=Role.ADMIN, password=None)
        edit_account(other.id, boss, AccountEdit("second", None, "editor", True))
        stale = db.session.get(User, other.id)
        for edit in (AccountEdit(admin, None, "editor", True),
                     AccountEdit(admin, None, "admin", False)):  # fmt: skip
            with pytest.raises(InvalidInput, match="最后一个启用的管理员"):
                edit_account(boss.id, stale, edit)
        # an inactive admin does not count as one that keeps the site running
        make_user("dormant", role=Role.ADMIN, password=None, active=False)
        with pytest.raises(InvalidInput, match="最后一个启用的管理员"):
            edit_account(boss.id, stale, AccountEdit(admin, None, "editor", True))
    assert account(app, admin).role == Role.ADMIN
    assert account(app, admin).active is True


def test_new_password_cannot_be_set_for_oneself_here(app, admin_client, admin):
    me = user_id(app, admin)
    before = account(app, admin).password_hash

    response = admin_client.post(
        f"/moderation/users/{me}",
        data={"do": "password", "password": "another fine passphrase"},
    )

    assert response.status_code == 403  # NotAllowed means 403 everywhere
    assert account(app, admin).password_hash == before
    assert admin_client.get("/moderation/").status_code == 200


def test_a_weak_new_password_is_400_and_nothing_changes(app, admin_client, editor):
    target = user_id(app, editor)
    before = account(app, editor)

    response = admin_client.post(
        f"/moderation/users/{target}", data={"do": "password", "password": "qwertyuiop"}
    )

    assert response.status_code == 400
    assert "常见" in field_error(parse(response), "password")
    after = account(app, editor)
    assert after.password_hash == before.password_hash
    assert after.session_version == before.session_version
    assert audit_entries(app) == []


def test_login_as_the_created_account_uses_the_password_given(app, admin_client):
    admin_client.post("/moderation/users", data=NEW)
    other = app.test_client()

    wrong = other.post("/auth/login", data={"username": "newbie", "password": PASSWORD})

    assert wrong.status_code == 401
