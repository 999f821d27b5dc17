"""A forgotten password, reset by e-mail through a real SMTP server: the
same answer whatever the account, a signed link that expires after an hour,
works once and dies when the password changes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import UsedToken, User
from cms.services.password_reset import _SALT, password_fingerprint
from config import TestingConfig
from tests.conftest import PASSWORD
from tests.email.support import SITE_URL, craft_link, path_of
from tests.factories import make_user
from tests.users.support import (
    account,
    area_status,
    audit_entries,
    entry_text,
    field_error,
    login_status,
    parse,
    user_id,
)

NEW_PASSWORD = "a brand new passphrase"
SENT = "如果该账号存在并设置了邮箱，重置链接已发送"
LINK_RE = re.compile(r"^(http\S+/auth/reset/\S+)$", re.M)


@pytest.fixture
def app_config(app_config, inbox, smtp_server):
    """Mail goes to the test server; the forgot form's rate limit is out of
    the way except where a test sets it."""
    app_config["MAIL_URL"] = smtp_server.url
    app_config["PASSWORD_RESET_LIMIT"] = "100 per minute"
    return app_config


@pytest.fixture
def people(app):
    """Accounts: with an address, without one, inactive, without password."""
    with app.app_context():
        for name, email, active, password in [
            ("alice", "Alice@Example.CN", True, PASSWORD),
            ("nomail", None, True, PASSWORD),
            ("gone", "gone@example.cn", False, PASSWORD),
            ("demo", "demo@example.cn", True, None),
        ]:
            user = make_user(name, password=password, active=active)
            user.email = email.lower() if email else None
            db.session.commit()
    return "alice"


def forgot(client, identifier: str):
    return client.post("/auth/forgot", data={"identifier": identifier})


def link_from(inbox) -> str:
    """The reset link (a path) of the one message received."""
    [mail] = inbox.take()
    [url] = LINK_RE.findall(mail.text)
    return path_of(url)


def reset(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(path, data={
        "password": password, "confirm": password if confirm is None else confirm,
    })  # fmt: skip


def spent_tokens(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UsedToken))


def token_for(app, username: str, age_seconds: float) -> str:
    """A reset link path for the account, signed `age_seconds` ago."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        payload = {"u": user.id, "f": password_fingerprint(user), "t": "crafted-token"}
    token = craft_link(TestingConfig.SECRET_KEY, payload, age_seconds, _SALT)
    return f"/auth/reset/{token}"


# -- asking for a link ---------------------------------------------------------


def test_the_login_page_links_to_the_forgot_page(client):
    soup = parse(client.get("/auth/login"))
    link = soup.select_one("a[href='/auth/forgot']")
    assert link is not None and link.get_text() == "忘记密码？"


def test_the_answer_is_the_same_whether_the_account_exists_or_not(
    client, inbox, people
):
    answers = {}
    for who in ["nobody", "nobody@example.cn", "nomail", "gone", "demo",
                "gone@example.cn", "alice"]:  # fmt: skip
        response = forgot(client, who)
        box = parse(response).select_one(".auth-box")
        answers[who] = (response.status_code, box.get_text(" ", strip=True))
        if who != "alice":
            assert inbox.take() == [], who  # no mail for them

    assert len(set(answers.values())) == 1
    status, text = answers["alice"]
    assert status == 200 and SENT in text
    [mail] = inbox.take()
    assert mail.rcpt_tos == ["alice@example.cn"]
    assert "重置密码" in mail.subject


@pytest.mark.parametrize("identifier", ["ALICE", " alice@EXAMPLE.cn "])
def test_a_username_or_an_address_in_any_case(client, inbox, people, identifier):
    assert forgot(client, identifier).status_code == 200
    assert [m.rcpt_tos for m in inbox.take()] == [["alice@example.cn"]]


def test_the_link_is_under_site_url_whatever_the_host(client, inbox, people):
    client.post("/auth/forgot", data={"identifier": "alice"},
                base_url="http://evil.example")  # fmt: skip

    [mail] = inbox.take()
    [url] = LINK_RE.findall(mail.text)
    assert url.startswith(f"{SITE_URL}/auth/reset/")
    assert "evil.example" not in mail.text
    assert "1 小时" in mail.text or "60 分钟" in mail.text


def test_an_empty_form_is_400(client, inbox, people):
    response = client.post("/auth/forgot", data={"identifier": " "})

    assert response.status_code == 400
    assert field_error(parse(response), "identifier")
    assert inbox.take() == []


def test_the_forgot_form_is_rate_limited(app, client, inbox, people):
    app.config["PASSWORD_RESET_LIMIT"] = "5 per minute"  # the default

    statuses = [forgot(client, f"nobody{i}").status_code for i in range(6)]

    assert statuses == [200] * 5 + [429]


# -- using the link ------------------------------------------------------------


def test_the_link_works_once(app, client, inbox, people, second_client):
    theirs = second_client("alice")
    forgot(client, "alice")
    path = link_from(inbox)
    before = account(app, "alice")

    form = client.get(path)  # a GET changes nothing
    assert form.status_code == 200
    assert form.headers["Cache-Control"] == "no-store"
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert parse(form).select_one("input[name=password][type=password]") is not None
    assert account(app, "alice").password_hash == before.password_hash
    assert spent_tokens(app) == 0

    done = reset(client, path)

    assert done.status_code == 303
    assert done.headers["Location"] == "/auth/login"
    assert "密码已重置" in client.get("/auth/login").get_data(as_text=True)
    after = account(app, "alice")
    assert after.password_hash != before.password_hash
    assert after.session_version == before.session_version + 1
    assert spent_tokens(app) == 1
    assert area_status(theirs) == 302  # the old sessions ended
    assert login_status(app.test_client(), "alice", PASSWORD) == 401
    assert login_status(app.test_client(), "alice", NEW_PASSWORD) == 303
    [entry] = audit_entries(app)
    assert entry.action == "password-reset-by-mail"
    assert entry.actor_id == after.id and entry.target_ids == [after.id]
    assert NEW_PASSWORD not in entry_text(entry)

    again = reset(client, path, "yet another passphrase")
    assert again.status_code == 410
    assert "链接已使用" in again.get_data(as_text=True)
    assert client.get(path).status_code == 410
    assert login_status(app.test_client(), "alice", NEW_PASSWORD) == 303


def test_a_weak_password_is_400_and_the_link_still_works(app, client, inbox, people):
    forgot(client, "alice")
    path = link_from(inbox)
    before = account(app, "alice").password_hash

    weak = reset(client, path, "1234567890")
    mismatch = reset(client, path, NEW_PASSWORD, confirm="something else here")

    assert weak.status_code == 400
    assert "常见" in field_error(parse(weak), "password")
    assert mismatch.status_code == 400
    assert "不一致" in field_error(parse(mismatch), "confirm")
    assert account(app, "alice").password_hash == before
    assert spent_tokens(app) == 0
    assert reset(client, path).status_code == 303


def test_an_expired_link_is_400(app, client, people):
    path = token_for(app, "alice", age_seconds=3601)
    before = account(app, "alice").password_hash

    shown = client.get(path)
    posted = reset(client, path)

    for response in (shown, posted):
        assert response.status_code == 400
        assert "链接已过期" in parse(response).select_one("h1").get_text()
    assert account(app, "alice").password_hash == before
    assert spent_tokens(app) == 0


def test_a_link_just_under_an_hour_old_still_works(app, client, people):
    path = token_for(app, "alice", age_seconds=3540)

    assert client.get(path).status_code == 200
    assert reset(client, path).status_code == 303


@pytest.mark.parametrize(
    "tamper",
    [lambda p: p[:-3] + ("AAA" if not p.endswith("AAA") else "BBB"),
     lambda p: p.replace(".", "x", 1), lambda p: "/auth/reset/garbage",
     lambda p: p[: len(p) // 2]],
)  # fmt: skip
def test_a_tampered_link_is_400(app, client, inbox, people, tamper):
    forgot(client, "alice")
    path = tamper(link_from(inbox))
    before = account(app, "alice").password_hash

    assert client.get(path).status_code == 400
    response = reset(client, path)
    assert response.status_code == 400
    assert "链接无效" in parse(response).select_one("h1").get_text()
    assert account(app, "alice").password_hash == before


def test_a_link_made_before_a_password_change_no_longer_works(
    app, client, inbox, people, login
):
    forgot(client, "alice")
    path = link_from(inbox)
    login("alice")
    changed = client.post("/moderation/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    })  # fmt: skip
    assert changed.status_code == 303

    response = reset(client, path, "one more passphrase")

    assert response.status_code == 400
    assert "已失效" in response.get_data(as_text=True)
    assert login_status(app.test_client(), "alice", NEW_PASSWORD) == 303


def test_using_one_link_kills_the_others(app, client, inbox, people):
    forgot(client, "alice")
    first = link_from(inbox)
    forgot(client, "alice")
    second = link_from(inbox)
    assert first != second

    assert reset(client, second).status_code == 303
    assert reset(client, first, "one more passphrase").status_code == 400


def test_a_link_dies_when_the_account_is_deactivated(app, client, inbox, people):
    forgot(client, "alice")
    path = link_from(inbox)
    with app.app_context():
        db.session.get(User, user_id(app, "alice")).active = False
        db.session.commit()

    assert client.get(path).status_code == 400


# -- the admin's button --------------------------------------------------------


def test_an_admin_can_mail_a_reset_link(app, admin_client, inbox, people, admin):
    target = user_id(app, "alice")
    page = parse(admin_client.get(f"/moderation/users/{target}"))
    assert page.select_one("input[name=do][value=send-link]") is not None
    before = account(app, "alice").password_hash

    response = admin_client.post(
        f"/moderation/users/{target}", data={"do": "send-link"}
    )

    assert response.status_code == 303
    assert account(app, "alice").password_hash == before  # unchanged until used
    path = link_from(inbox)
    [entry] = audit_entries(app)
    assert entry.action == "user-reset-link"
    assert entry.actor_id == user_id(app, admin) and entry.target_ids == [target]
    assert reset(app.test_client(), path).status_code == 303


def test_no_link_for_an_account_without_an_address(app, admin_client, inbox, people):
    target = user_id(app, "nomail")
    page = parse(admin_client.get(f"/moderation/users/{target}"))
    assert page.select_one("input[name=do][value=send-link]") is None

    response = admin_client.post(
        f"/moderation/users/{target}", data={"do": "send-link"}
    )

    assert response.status_code == 400
    assert "没有设置邮箱" in parse(response).select_one(".form-error").get_text()
    assert inbox.take() == []
    assert audit_entries(app) == []
