"""Issue 10, item 1: an editor could become admin through the analytics code
(a script served on every page, run in the admin's browser). The code is now
an admin-only setting holding only vendors' external scripts, never served to
a logged-in user, and no cookie a page script could read holds a secret."""

from __future__ import annotations

import logging

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import AuditEntry, Setting, User
from cms.services.analytics import analytics_code
from cms.services.errors import NotAllowed
from cms.services.settings import set_setting, update_settings
from tests.conftest import PASSWORD
from tests.factories import make_article, make_user

PAGE = "/moderation/settings"
# What the attacker saved: make an admin account with the victim's session.
ATTACK = """<script>
fetch('/moderation/users').then(r => r.text()).then(page => {
  const token = page.match(/name="csrf_token" value="([^"]+)"/)[1];
  fetch('/moderation/users', {method: 'POST', body: new URLSearchParams({
    csrf_token: token, username: 'mallory', role: 'admin', password: 'x'})});
});
</script>"""
BAIDU = '<script async src="https://hm.baidu.com/hm.js?0123456789abcdef"></script>'


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def logged_in(app, username: str):
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 303
    return client


def stored(app, key: str) -> str | None:
    with app.app_context():
        row = db.session.get(Setting, key)
        return None if row is None else row.value


def form_of(page) -> dict[str, str]:
    """The settings form's text inputs and textareas as a browser sends them."""
    form = parse(page).select_one("form.settings-form")
    data = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        if field.get("type") in ("checkbox", "file"):
            continue
        if field.name == "textarea":
            data[field["name"]] = field.get_text().removeprefix("\n")
        elif field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[field["name"]] = chosen["value"]
        else:
            data[field["name"]] = field.get("value", "")
    return data


def analytics_scripts(response) -> list:
    return [
        s
        for s in parse(response).select("script")
        if "hm.baidu.com" in s.get("src", "") or "fetch(" in s.text
    ]


# -- (a) saving the analytics code is for admins, checked in the service -------


@pytest.mark.parametrize("key", ["site.analytics", "site.analytics_host"])
def test_an_editors_analytics_save_is_refused_and_nothing_stored(app, editor, key):
    client = logged_in(app, editor)
    data = form_of(client.get(PAGE)) | {key: BAIDU if key == "site.analytics"
                                        else "stats.example.cn"}  # fmt: skip

    response = client.post(PAGE, data=data)

    assert response.status_code == 403
    assert stored(app, key) is None
    with app.app_context():
        assert db.session.scalars(select(AuditEntry)).all() == []


def test_the_service_refuses_an_editor_whatever_the_form_sends(ctx, editor):
    user = db.session.scalar(select(User).filter_by(username=editor))
    with pytest.raises(NotAllowed):
        update_settings({"site.analytics": BAIDU}, user)
    with pytest.raises(NotAllowed):
        update_settings({"site.name": "新名字", "site.analytics_host": "a.cn"}, user)
    assert db.session.get(Setting, "site.name") is None


def test_editors_still_save_the_rest_of_the_page(app, editor):
    client = logged_in(app, editor)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert parse(page).select("[name='site.analytics']") == []

    response = client.post(PAGE, data=form_of(page) | {"site.name": "编辑改的名字"})

    assert response.status_code == 303
    assert stored(app, "site.name") == "编辑改的名字"


def test_an_admin_saves_a_vendor_script(app, admin):
    client = logged_in(app, admin)
    data = form_of(client.get(PAGE)) | {"site.analytics": BAIDU}

    response = client.post(PAGE, data=data)

    assert response.status_code == 303
    assert stored(app, "site.analytics") == BAIDU


# -- (b) only vendors' external scripts ----------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        ATTACK,
        "fetch('/moderation/users')",
        '<script src="https://attacker.example/x.js"></script>',
        '<script src="https://cdn.jsdelivr.net/gh/x/y.js"></script>',
    ],
)
def test_even_an_admin_cannot_store_inline_code_or_other_hosts(app, admin, code):
    client = logged_in(app, admin)
    data = form_of(client.get(PAGE)) | {"site.analytics": code}

    response = client.post(PAGE, data=data)

    assert response.status_code == 400
    assert stored(app, "site.analytics") is None


def test_stored_code_that_no_longer_passes_is_not_served_and_shown_as_refused(
    app, client, admin, caplog
):
    with app.app_context():  # written by an older version, or straight to the DB
        db.session.add(Setting(key="site.analytics", value=ATTACK))
        db.session.commit()
    analytics_code.cache_clear()

    with caplog.at_level(logging.WARNING, logger="cms.services.analytics"):
        for _ in range(3):
            reader_page = client.get("/")
            assert "fetch(" not in reader_page.get_data(as_text=True)
    assert len(caplog.records) == 1

    page = parse(logged_in(app, admin).get(PAGE))
    field = page.select_one("textarea[name='site.analytics']")
    assert "fetch('/moderation/users')" in field.get_text()
    assert "目前未使用" in page.select_one("#site-analytics-error").get_text()


# -- (c) no analytics on any page served to a logged-in user -------------------


@pytest.fixture
def article_path(app):
    with app.app_context():
        set_setting("site.analytics", BAIDU)
        return f"/{make_article(title='一篇文章').public_id}.html"


@pytest.mark.parametrize("role", ["admin", "editor", "contributor"])
def test_a_logged_in_user_gets_public_pages_without_analytics(
    app, client, article_path, role
):
    with app.app_context():
        make_user(username=f"{role}-x", role=role)
    staff = logged_in(app, f"{role}-x")
    for path in ("/", article_path):
        assert analytics_scripts(client.get(path)), "readers get the analytics"
        response = staff.get(path)
        assert response.status_code == 200
        assert analytics_scripts(response) == []
        assert "hm.baidu.com" not in response.headers["Content-Security-Policy"]


# -- (d) no cookie a page script could read holds anything worth stealing ------


def test_staff_cookies_are_httponly(app, editor):
    client = app.test_client()
    response = client.post(
        "/auth/login",
        data={"username": editor, "password": PASSWORD, "remember": "y"},
    )
    cookies = {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name], name
