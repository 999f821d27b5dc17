"""config.py as create_app uses it: environments, secret, database URL, proxies."""

from __future__ import annotations

import importlib
import logging
import os

import pytest
from flask import Flask, request

import config
from cms import create_app
from cms.extensions import db

ENV_NAMES = ("CMS_CONFIG", "SECRET_KEY", "FLASK_SECRET_KEY", "DATABASE_URL",
             "TRUSTED_PROXIES", "SITE_URL", "HOST", "PORT", "REDIS_URL",
             "REMEMBER_COOKIE_DAYS", "FLASK_DEBUG", "LOG_FORMAT",
             "SECRET_KEY_FALLBACKS")  # fmt: skip


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """load(**env) re-reads config.py under exactly these variables (the classes
    read the environment when defined); afterwards it is re-read as it was.
    The instance folder is a temporary one, so a developer's instance/config.py
    cannot change the outcome."""
    instance = tmp_path / "instance"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    # A non-testing app installs its log handler: put the loggers back after.
    ours, root = logging.getLogger("cms"), logging.getLogger()
    kept = ours.handlers[:], ours.level, root.handlers[:]

    def load(**env: str):
        for name in ENV_NAMES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cms.sqlite'}")
        for name, value in env.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        return importlib.reload(config)

    yield load
    monkeypatch.undo()
    importlib.reload(config)
    ours.handlers, root.handlers = kept[0], kept[2]
    ours.setLevel(kept[1])


# -- environments and the secret key -------------------------------------------


def test_production_without_a_secret_key_refuses_to_start(environment):
    environment(CMS_CONFIG="production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_with_an_empty_key_refuses_to_start(environment):
    environment(CMS_CONFIG="production", SECRET_KEY="")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_with_a_secret_key_starts(environment):
    secret = "k" * 64
    environment(CMS_CONFIG="production", SECRET_KEY=secret)
    app = create_app()
    assert app.config["SECRET_KEY"] == secret
    assert not app.testing
    assert app.config["WTF_CSRF_ENABLED"] is not False
    assert not app.config.get("PASSWORD_HASH_CHEAP")


def test_retired_keys_are_read_from_the_environment(environment):
    environment(CMS_CONFIG="production", SECRET_KEY="n" * 64,
                SECRET_KEY_FALLBACKS="old-one, older-one")  # fmt: skip
    app = create_app()
    assert app.config["SECRET_KEY_FALLBACKS"] == ["old-one", "older-one"]


def test_production_runs_without_debug_and_logs_json_without_tracebacks(environment):
    environment(CMS_CONFIG="production", SECRET_KEY="k" * 64)
    app = create_app()
    assert not app.debug
    assert app.config["LOG_FORMAT"] == "json"
    assert app.config["LOG_TRACEBACKS"] is False


def test_production_refuses_to_start_with_debug_on(environment):
    environment(CMS_CONFIG="production", SECRET_KEY="k" * 64, FLASK_DEBUG="1")
    with pytest.raises(RuntimeError, match="DEBUG"):
        create_app()


def test_development_may_debug(environment):
    environment(CMS_CONFIG="development", FLASK_DEBUG="1")
    assert create_app().debug


def test_production_accepts_the_key_as_flask_secret_key(environment):
    environment(
        CMS_CONFIG="production", FLASK_SECRET_KEY="from-the-flask-prefix-0123456789"
    )
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-flask-prefix-0123456789"


def test_production_cookies_are_secure_behind_https(environment):
    environment(
        CMS_CONFIG="production", SECRET_KEY="k" * 64, SITE_URL="https://example.com/"
    )
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SITE_URL"] == "https://example.com"


def test_development_is_the_default_and_signs_with_its_instance_key(environment):
    environment()
    app = create_app()
    key_file = os.path.join(app.instance_path, "secret_key")
    with open(key_file) as file:
        assert app.config["SECRET_KEY"] == file.read().strip()
    assert not hasattr(config, "DEV_SECRET_KEY")
    assert not app.testing
    assert not app.config.get("PASSWORD_HASH_CHEAP")


def test_the_remember_cookie_lifetime_is_a_setting(environment):
    from datetime import timedelta

    environment(CMS_CONFIG="production", SECRET_KEY="k" * 64, REMEMBER_COOKIE_DAYS="7")
    app = create_app()
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=7)


def test_an_unknown_environment_name_is_refused(environment):
    environment(CMS_CONFIG="staging")
    with pytest.raises(RuntimeError, match="staging"):
        create_app()


def test_the_default_database_is_a_sqlite_file_in_the_instance_folder(environment):
    environment(DATABASE_URL=None)
    app = create_app()
    with app.app_context():
        assert db.engine.dialect.name == "sqlite"
        assert db.engine.url.database == os.path.join(app.instance_path, "cms.sqlite")


def test_site_url_defaults_to_host_and_port(environment):
    environment(HOST="0.0.0.0", PORT="8000")
    assert create_app().config["SITE_URL"] == "http://0.0.0.0:8000"


# -- DATABASE_URL --------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgres://u:p@db.example:5432/cms",
            "postgresql+psycopg://u:p@db.example:5432/cms",
        ),
        ("postgresql://u@localhost/cms", "postgresql+psycopg://u@localhost/cms"),
        (
            "postgresql+psycopg://u@localhost/cms",
            "postgresql+psycopg://u@localhost/cms",
        ),
        ("sqlite:////var/lib/cms/cms.sqlite", "sqlite:////var/lib/cms/cms.sqlite"),
        # Only a leading scheme is rewritten.
        ("sqlite:///postgres://x", "sqlite:///postgres://x"),
    ],
)
def test_database_url_gets_the_psycopg_driver(monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    assert config._database_url() == expected


def test_database_url_default(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config._database_url() == "sqlite:///cms.sqlite"


def test_database_url_reaches_the_app(environment):
    environment(DATABASE_URL="postgres://u:p@db.example/cms", SECRET_KEY="k" * 64)
    app = create_app()
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"]
        == "postgresql+psycopg://u:p@db.example/cms"
    )


# -- TRUSTED_PROXIES -----------------------------------------------------------


def test_trusted_proxies_is_read_from_the_environment(environment):
    environment(TRUSTED_PROXIES="2")
    assert create_app().config["TRUSTED_PROXIES"] == 2


def _whoami(app_config, proxies: int):
    app = create_app(app_config | {"TRUSTED_PROXIES": proxies})

    @app.get("/_test/whoami")
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    return app.test_client()


def _ask(client, forwarded_for: str, forwarded_proto: str = "https"):
    response = client.get(
        "/_test/whoami",
        headers={
            "X-Forwarded-For": forwarded_for,
            "X-Forwarded-Proto": forwarded_proto,
        },
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_forwarded_headers_are_ignored_without_trusted_proxies(app_config):
    assert _ask(_whoami(app_config, 0), "203.0.113.9") == "10.0.0.1 http"


def test_one_trusted_proxy_supplies_the_client_address_and_scheme(app_config):
    client = _whoami(app_config, 1)
    assert _ask(client, "203.0.113.9") == "203.0.113.9 https"
    # A client cannot choose its address by sending its own header first.
    assert _ask(client, "198.51.100.7, 203.0.113.9") == "203.0.113.9 https"


def test_two_trusted_proxies_go_one_hop_further(app_config):
    # An HTTPS front proxy, then a plain-HTTP one in front of the app.
    client = _whoami(app_config, 2)
    assert (
        _ask(client, "198.51.100.7, 203.0.113.9", "https, http") == "198.51.100.7 https"
    )
    # With fewer values than trusted hops, the headers are not believed.
    assert _ask(client, "203.0.113.9", "https") == "10.0.0.1 http"
