"""The two-factor secret is stored sealed: the database holds no usable
seed, a sealed seed copied to another account opens nothing there, a key
rotation with the old key in SECRET_KEY_FALLBACKS keeps codes working (and
seals the seed anew), and without the old key codes are refused while the
recovery codes still open the login."""

from __future__ import annotations

import logging

from sqlalchemy import update

from cms.extensions import db
from cms.models import User
from cms.services.sealing import unseal
from tests.auth.two_factor_support import (
    code_step,
    enrol,
    logged_in,
    password_step,
    secret_of,
)
from tests.users.support import account


def test_the_stored_value_is_sealed(app, editor):
    enrolled = enrol(app, editor)

    stored = account(app, editor).totp_secret

    assert stored.startswith("v1.")
    assert enrolled.secret not in stored
    assert secret_of(app, editor) == enrolled.secret


def test_a_seed_copied_to_another_account_opens_nothing(app, client, editor, admin):
    enrolled = enrol(app, editor)
    enrol(app, admin)
    with app.app_context():  # someone with write access to the table only
        db.session.execute(
            update(User)
            .where(User.username == admin)
            .values(totp_secret=account(app, editor).totp_secret)
        )
        db.session.commit()

    password_step(client, admin)
    response = code_step(client, enrolled.fresh())

    assert response.status_code == 401
    assert not logged_in(client)
    assert secret_of(app, admin) is None


def test_after_a_key_rotation_the_old_key_in_fallbacks_keeps_codes_working(
    app, client, editor
):
    enrolled = enrol(app, editor)
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="the rotated key", SECRET_KEY_FALLBACKS=[old_key])

    password_step(client, editor)
    response = code_step(client, enrolled.fresh())

    assert response.status_code == 303
    assert logged_in(client)
    stored = account(app, editor).totp_secret
    app.config["SECRET_KEY_FALLBACKS"] = []
    with app.app_context():  # sealed anew: the old key is no longer needed
        user = account(app, editor)
        assert unseal(stored, f"totp:{user.id}").plaintext == enrolled.secret


def test_without_the_old_key_codes_are_refused_and_recovery_codes_open(
    app, client, editor, caplog
):
    enrolled = enrol(app, editor)
    app.config["SECRET_KEY"] = "a new key, the old one lost"
    caplog.set_level(logging.WARNING, logger="cms.services.two_factor")

    password_step(client, editor)
    refused = code_step(client, enrolled.fresh())

    assert refused.status_code == 401
    assert not logged_in(client)
    assert any("does not open" in r.getMessage() for r in caplog.records)
    assert code_step(client, enrolled.recovery[0]).status_code == 303
    assert logged_in(client)
