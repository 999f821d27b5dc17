"""Without SECRET_KEY the app signs with a random key of its own, kept in the
instance folder: a session forged with the key once published in config.py
opens nothing."""

from __future__ import annotations

import importlib
import stat
import time

import pytest
from flask import Flask

import config
from cms import create_app
from cms.extensions import db
from cms.models import Role
from cms.services.sessions import session_identity
from tests.factories import make_user

# The development key config.py used to publish (issue 10, item 2).
OLD_CONSTANT = "dev-only-secret-key-change-me"


@pytest.fixture
def instance(monkeypatch, tmp_path):
    """The environment of `make run` without SECRET_KEY (development config,
    a SQLite file), with the instance folder under tmp_path."""
    folder = tmp_path / "instance"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(folder))
    for name in ("CMS_CONFIG", "SECRET_KEY", "FLASK_SECRET_KEY", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cms.sqlite'}")
    importlib.reload(config)
    yield folder
    monkeypatch.undo()
    importlib.reload(config)


def _keyless_app(tmp_path):
    return create_app()


def forged_session(secret: str, session: dict) -> str:
    """A session cookie value signed with `secret`, as Flask would sign it."""
    signer = Flask("forger")
    signer.secret_key = secret
    return signer.session_interface.get_signing_serializer(signer).dumps(session)


def test_a_session_signed_with_the_old_constant_opens_nothing(instance, tmp_path):
    app = _keyless_app(tmp_path)
    with app.app_context():
        db.create_all()
        admin = make_user("boss", role=Role.ADMIN)
        identity = session_identity(admin, time.time())
    client = app.test_client()
    client.set_cookie(
        "session", forged_session(OLD_CONSTANT, {"_user_id": identity, "_fresh": True})
    )

    response = client.get("/moderation/users")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert app.config["SECRET_KEY"] != OLD_CONSTANT


def test_the_generated_key_is_private_and_shared_by_apps_on_one_instance(
    instance, tmp_path
):
    first = _keyless_app(tmp_path)
    second = _keyless_app(tmp_path)

    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 64


def test_a_key_made_by_another_worker_is_read_not_replaced(instance, tmp_path):
    instance.mkdir(parents=True)
    (instance / "secret_key").write_text("written-by-the-first-worker\n")

    app = _keyless_app(tmp_path)

    assert app.config["SECRET_KEY"] == "written-by-the-first-worker"


def test_workers_starting_at_once_agree_on_one_key(tmp_path):
    import multiprocessing

    from cms.secret_key import instance_secret_key

    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        keys = pool.map(instance_secret_key, [tmp_path] * 8)

    assert len(set(keys)) == 1
    assert (tmp_path / "secret_key").read_text().strip() == keys[0]
