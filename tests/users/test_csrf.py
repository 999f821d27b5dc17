"""With CSRF protection on (as outside tests): every form of these pages,
submitted as rendered, works; without its token it is refused (400) and
changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from cms.extensions import db
from cms.models import User
from cms.services.password_reset import issue_token
from tests.conftest import PASSWORD
from tests.users.support import account, audit_entries, parse, user_id

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def app_config(app_config):
    return app_config | {"WTF_CSRF_ENABLED": True}


def rendered_form(client, path: str, selector: str):
    response = client.get(path)
    assert response.status_code == 200, path
    form = parse(response).select_one(selector)
    assert form is not None, selector
    return form


def submit(client, path: str, selector: str, token: bool = True, **fields):
    """Post the form `selector` of the page at `path` as a browser would,
    with `fields` typed in (and without its CSRF token when `token` is off)."""
    form = rendered_form(client, path, selector)
    data = MultiDict()
    for element in form.select("input, select, textarea"):
        name = element.get("name")
        kind = element.get("type", "text")
        if (
            not name
            or kind in ("file", "submit")
            or (not token and name == "csrf_token")
        ):
            continue
        if element.name == "select":
            chosen = element.select_one("option[selected]") or element.select_one(
                "option"
            )
            data[name] = chosen["value"]
        elif element.name == "textarea":
            data[name] = element.get_text().removeprefix("\n")
        elif kind == "checkbox":
            if element.has_attr("checked"):
                data[name] = element.get("value", "y")
        else:
            data[name] = element.get("value", "")
    for name, value in fields.items():
        data[name] = value
    multipart = form.get("enctype") == "multipart/form-data"
    return client.post(
        form.get("action") or path, data=data,
        content_type="multipart/form-data" if multipart else None,
    )  # fmt: skip


def log_in(client, username: str) -> None:
    response = submit(client, "/auth/login", "form[method=post]",
                      username=username, password=PASSWORD)  # fmt: skip
    assert response.status_code == 303


@pytest.mark.parametrize("token", [True, False])
def test_the_admin_forms(app, client, admin, editor, token):
    log_in(client, admin)
    target = user_id(app, editor)
    edit = f"/moderation/users/{target}"
    status = 303 if token else 400

    created = submit(client, "/moderation/users", "form.account-form", token,
                     username="newbie", password=NEW_PASSWORD)  # fmt: skip
    saved = submit(client, edit, "form:has(input[value=save])", token,
                   role="admin")  # fmt: skip
    password = submit(client, edit, "form:has(input[value=password])", token,
                      password=NEW_PASSWORD)  # fmt: skip

    assert [created.status_code, saved.status_code, password.status_code] == [
        status
    ] * 3
    assert (account(app, "newbie") is not None) is token
    assert (account(app, editor).role.value == "admin") is token
    assert len(audit_entries(app)) == (3 if token else 0)


@pytest.mark.parametrize("token", [True, False])
def test_the_profile_and_password_forms(app, client, contributor, token):
    log_in(client, contributor)
    status = 303 if token else 400

    profile = submit(client, "/moderation/profile", "form[enctype]", token,
                     bio="我的简介")  # fmt: skip
    password = submit(client, "/moderation/password", "form.account-form", token,
                      current_password=PASSWORD, new_password=NEW_PASSWORD,
                      confirm=NEW_PASSWORD)  # fmt: skip

    assert [profile.status_code, password.status_code] == [status] * 2
    assert (account(app, contributor).bio == "我的简介") is token
    assert len(audit_entries(app)) == (2 if token else 0)


@pytest.mark.parametrize("token", [True, False])
def test_the_reset_form(app, client, editor, token):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == editor))
        path = f"/auth/reset/{issue_token(user)}"
    before = account(app, editor).password_hash

    response = submit(client, path, "form[method=post]", token,
                      password=NEW_PASSWORD, confirm=NEW_PASSWORD)  # fmt: skip

    assert response.status_code == (303 if token else 400)
    assert (account(app, editor).password_hash != before) is token
