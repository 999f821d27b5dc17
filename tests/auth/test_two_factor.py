"""Two-factor login: after the password a code; a wrong or used code is
refused; recovery codes work once; guesses are bounded by the login limits;
admins can be required to use it."""

from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import RecoveryCode, User
from cms.services.settings import set_setting
from tests.auth.two_factor_support import (
    code_step,
    enrol,
    logged_in,
    parse,
    password_step,
    secret_of,
    shown_codes,
    shown_secret,
)
from tests.users.support import account, area_status, audit_entries


def test_login_asks_for_the_code_after_the_password(app, client, editor):
    enrolled = enrol(app, editor)

    first = password_step(client, editor)

    assert first.status_code == 303
    assert first.headers["Location"] == "/auth/two-factor"
    page = client.get("/auth/two-factor")
    assert page.status_code == 200
    assert parse(page).select_one("input[name=code]") is not None
    # The pending login opens nothing.
    assert not logged_in(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session

    second = code_step(client, enrolled.fresh())

    assert second.status_code == 303
    assert second.headers["Location"] == "/moderation/"
    assert logged_in(client)


def test_the_pending_login_keeps_next(app, client, editor):
    enrolled = enrol(app, editor)
    client.post(
        "/auth/login",
        query_string={"next": "/moderation/posts"},
        data={"username": editor, "password": "correct horse battery staple"},
    )

    assert (
        code_step(client, enrolled.fresh()).headers["Location"] == "/moderation/posts"
    )


def test_a_wrong_code_is_refused_and_the_right_one_still_works(app, client, editor):
    enrolled = enrol(app, editor)
    password_step(client, editor)
    wrong = f"{(int(enrolled.fresh()) + 1) % 1_000_000:06d}"

    refused = code_step(client, wrong)

    assert refused.status_code == 401
    assert "验证码不正确" in refused.get_data(as_text=True)
    assert not logged_in(client)
    assert code_step(client, enrolled.fresh()).status_code == 303


def test_a_code_works_once(app, client, editor):
    enrolled = enrol(app, editor)
    code = enrolled.fresh()
    password_step(client, editor)
    assert code_step(client, code).status_code == 303

    other = app.test_client()
    password_step(other, editor)
    replay = code_step(other, code)

    assert replay.status_code == 401
    assert not logged_in(other)
    # nor a code of an earlier step (the enrolment's)
    assert code_step(other, enrolled.code(enrolled.step)).status_code == 401


def test_an_old_code_from_beyond_the_drift_is_refused(app, client, editor):
    enrolled = enrol(app, editor)
    now_step = int(time.time() // 30)
    password_step(client, editor)

    assert code_step(client, enrolled.code(now_step - 3)).status_code == 401
    assert code_step(client, enrolled.code(now_step + 3)).status_code == 401


def test_a_recovery_code_works_once(app, client, editor):
    enrolled = enrol(app, editor)
    assert len(enrolled.recovery) == 10 == len(set(enrolled.recovery))
    code = enrolled.recovery[3]
    password_step(client, editor)
    # typed in capitals and without its dashes
    assert code_step(client, code.replace("-", "").upper()).status_code == 303
    client.post("/auth/logout")

    password_step(client, editor)
    assert code_step(client, code).status_code == 401
    assert code_step(client, enrolled.recovery[4]).status_code == 303
    with app.app_context():
        used = db.session.scalars(
            select(RecoveryCode.used_at).where(RecoveryCode.used_at.is_not(None))
        ).all()
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(used) == 2
    assert not set(enrolled.recovery) & set(stored)  # only their hashes


def test_code_guesses_count_towards_the_login_limits(app, client, editor):
    """The password step counts against the account until the code is right;
    with four wrong codes the account's five free failures are gone, from
    whatever addresses they came: the next try waits (429), even with the
    right code, and giving the password again does not reset the count."""
    enrolled = enrol(app, editor)
    app.config["LOGIN_ACCOUNT_FIRST_DELAY"] = 60  # no machine outlasts it
    password_step(client, editor, ip="198.51.100.1")
    answers = [
        code_step(client, "000000", ip=f"198.51.100.{n}").status_code
        for n in range(2, 6)
    ]
    again = password_step(client, editor, ip="198.51.100.9")

    assert answers == [401] * 4
    assert again.status_code == 429
    assert code_step(client, enrolled.fresh(), ip="198.51.100.7").status_code == 429
    assert not logged_in(client)


def test_code_guesses_from_one_address_meet_its_limit(app, client, editor):
    enrol(app, editor)
    app.config["LOGIN_ACCOUNT_FIRST_DELAY"] = 0  # only the address limit here
    password_step(client, editor, ip="203.0.113.5")

    answers = [
        code_step(client, "000000", ip="203.0.113.5").status_code for _ in range(6)
    ]

    assert answers == [401] * 5 + [429]


def test_a_pending_login_expires(app, client, editor):
    enrolled = enrol(app, editor)
    password_step(client, editor)
    with client.session_transaction() as session:
        pending = dict(session["_login_pending"])
        session["_login_pending"] = pending | {"at": pending["at"] - 301}

    response = code_step(client, enrolled.fresh())

    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"
    assert not logged_in(client)


def test_a_password_change_ends_a_pending_login(app, client, editor):
    enrolled = enrol(app, editor)
    password_step(client, editor)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == editor))
        user.session_version += 1
        db.session.commit()

    assert code_step(client, enrolled.fresh()).headers["Location"] == "/auth/login"


# -- the profile's page ----------------------------------------------------------


def test_setting_it_up_on_the_profile_page(app, client, login, editor):
    assert login(editor).status_code == 303
    other = app.test_client()
    assert password_step(other, editor).status_code == 303
    page = client.get("/moderation/two-factor")
    assert page.status_code == 200
    assert parse(page).select_one(".two-factor-qr svg") is not None
    secret = shown_secret(page)
    wrong = client.post("/moderation/two-factor", data={"do": "enable", "code": "12"})
    assert wrong.status_code == 400
    assert account(app, editor).totp_secret is None

    done = client.post(
        "/moderation/two-factor",
        data={"do": "enable", "code": pyotp.TOTP(secret).now()},
    )

    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    assert len(shown_codes(done)) == 10
    assert secret_of(app, editor) == secret
    assert area_status(client) == 200  # this session goes on
    assert area_status(other) == 302  # the others end
    assert [e.action for e in audit_entries(app, "two-factor-enable")] == [
        "two-factor-enable"
    ]
    again = client.get("/moderation/two-factor")
    assert "已开启" in again.get_data(as_text=True)
    assert shown_codes(again) == []  # shown once


def test_turning_it_off_needs_a_code(app, client, login, editor):
    enrolled = enrol(app, editor)
    password_step(client, editor)
    code_step(client, enrolled.fresh())

    refused = client.post("/moderation/two-factor", data={"do": "disable", "code": "1"})
    assert refused.status_code == 400
    done = client.post(
        "/moderation/two-factor", data={"do": "disable", "code": enrolled.recovery[0]}
    )

    assert done.status_code == 303
    assert account(app, editor).totp_secret is None
    assert area_status(client) == 200
    client.post("/auth/logout")
    assert password_step(client, editor).headers["Location"] == "/moderation/"


def test_new_recovery_codes_replace_the_old(app, client, editor):
    enrolled = enrol(app, editor)
    password_step(client, editor)
    code_step(client, enrolled.fresh())

    response = client.post(
        "/moderation/two-factor", data={"do": "codes", "code": enrolled.recovery[9]}
    )

    new = shown_codes(response)
    assert response.status_code == 200 and len(new) == 10
    client.post("/auth/logout")
    password_step(client, editor)
    assert code_step(client, enrolled.recovery[0]).status_code == 401
    assert code_step(client, new[0]).status_code == 303


# -- required of admins ---------------------------------------------------------


def require_for_admins(app) -> None:
    with app.app_context():
        set_setting("auth.admin_two_factor", "true")


def test_an_admin_required_to_use_it_sets_it_up_after_the_password(app, client, admin):
    require_for_admins(app)

    first = password_step(client, admin)

    assert first.status_code == 303
    assert first.headers["Location"] == "/auth/two-factor/setup"
    assert not logged_in(client)
    page = client.get("/auth/two-factor/setup")
    assert page.status_code == 200
    secret = shown_secret(page)
    assert parse(page).select_one(".two-factor-qr svg") is not None
    wrong = client.post("/auth/two-factor/setup", data={"code": "000000"})
    assert wrong.status_code == 400
    assert not logged_in(client)

    done = client.post(
        "/auth/two-factor/setup", data={"code": pyotp.TOTP(secret).now()}
    )

    assert done.status_code == 200
    assert len(shown_codes(done)) == 10
    assert logged_in(client)
    assert secret_of(app, admin) == secret


def test_an_editor_is_not_required(app, client, editor):
    require_for_admins(app)

    assert password_step(client, editor).headers["Location"] == "/moderation/"


def test_a_logged_in_admin_is_sent_to_set_it_up(app, client, login, admin):
    assert login(admin).status_code == 303
    require_for_admins(app)

    response = client.get("/moderation/comments")

    assert response.status_code == 302
    assert response.headers["Location"] == "/moderation/two-factor"
    assert client.get("/moderation/two-factor").status_code == 200


def test_a_required_admin_cannot_turn_it_off(app, client, admin):
    enrolled = enrol(app, admin)
    require_for_admins(app)
    password_step(client, admin)
    code_step(client, enrolled.fresh())

    response = client.post(
        "/moderation/two-factor", data={"do": "disable", "code": enrolled.recovery[0]}
    )

    assert response.status_code == 403
    assert secret_of(app, admin) == enrolled.secret


def test_only_admins_may_change_the_requirement(app, client, login, editor):
    assert login(editor).status_code == 303

    response = client.post(
        "/moderation/settings", data={"auth.admin_two_factor": "true"}
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    "code",
    [
        "１２３４５６",
        "12345\x00",
        "1" * 32,
        "' OR 1=1 --",
        "٣٣٣٣٣٣",
        "ａｂｃｄ" * 4,
        " ",
    ],
)
def test_hostile_codes_are_refused_calmly(app, client, editor, code):
    enrol(app, editor)
    password_step(client, editor)

    response = code_step(client, code)

    assert response.status_code in (400, 401)
    assert not logged_in(client)


def test_the_operator_resets_a_lost_second_factor_from_the_cli(app, client, editor):
    """`flask cms reset-two-factor`: for someone who lost the phone and the
    recovery codes. Their sessions end; the password alone logs in again."""
    enrol(app, editor)
    password_step(client, editor)
    code_step(client, "000000")
    assert not logged_in(client)
    runner = app.test_cli_runner()

    done = runner.invoke(args=["cms", "reset-two-factor", editor])
    again = runner.invoke(args=["cms", "reset-two-factor", editor])
    unknown = runner.invoke(args=["cms", "reset-two-factor", "nobody-here"])

    assert done.exit_code == 0, done.output
    assert again.exit_code == 2 and "没有开启两步验证" in again.output
    assert unknown.exit_code == 2
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == editor))
        assert user.totp_secret is None
        left = select(RecoveryCode).where(RecoveryCode.user_id == user.id)
        assert db.session.scalars(left).all() == []
    assert len(audit_entries(app, "two-factor-reset")) == 1
    fresh = app.test_client()
    assert password_step(fresh, editor).headers["Location"] == "/moderation/"
    assert logged_in(fresh)
