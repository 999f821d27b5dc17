"""Migration 91b997c0218d: existing two-factor seeds are sealed under the
app's SECRET_KEY (the migration's own frozen copy of format v1), codes made
from them still open the login's second step, and the downgrade gives the
seeds back as they were."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pyotp
import pytest
from sqlalchemy import select, text

from cms import create_app
from cms.extensions import db
from cms.models import User
from cms.services.two_factor import matching_step, stored_secret
from tests.test_migrations import _insert_row

pytestmark = [
    pytest.mark.filterwarnings("ignore:.get_engine. is deprecated:DeprecationWarning"),
    pytest.mark.usefixtures("keep_logging"),
]
MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
BEFORE = "480a778ce037"
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _raw_secrets() -> dict[int, str | None]:
    rows = db.session.execute(text("SELECT id, totp_secret FROM users"))
    found = {row.id: row.totp_secret for row in rows}
    db.session.remove()
    return found


def test_existing_seeds_are_sealed_and_keep_working(new_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database()})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision=BEFORE)
        with_seed = _insert_row(
            "users", username="a", display_name="甲", role="admin", totp_secret=SEED
        )
        without = _insert_row("users", username="b", display_name="乙", role="editor")
        db.session.remove()

        flask_migrate.upgrade(directory=MIGRATIONS)

        stored = _raw_secrets()
        assert stored[without] is None
        assert stored[with_seed].startswith("v1.") and SEED not in stored[with_seed]
        user = db.session.scalar(select(User).where(User.id == with_seed))
        opened = stored_secret(user)
        assert opened is not None and opened.plaintext == SEED
        now = 1_800_000_000.0
        assert matching_step(opened.plaintext, pyotp.TOTP(SEED).at(now), now)
        db.session.remove()

        flask_migrate.downgrade(directory=MIGRATIONS, revision=BEFORE)
        assert _raw_secrets() == {with_seed: SEED, without: None}
        db.session.remove()
        db.engine.dispose()
