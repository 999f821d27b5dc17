"""The CMS application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, config_from_env

ROOT = Path(__file__).resolve().parent.parent


class _Flask(Flask):
    """Flask, logging unhandled exceptions through cms.logs.log_unhandled."""

    def log_exception(self, exc_info: Any) -> None:
        from cms.logs import log_unhandled

        log_unhandled(self, exc_info)


def create_app(config: type[Config] | Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config class (CMS_CONFIG by default), then instance/config.py,
    then FLASK_* environment variables; a mapping overrides on top of TestingConfig."""
    app = _Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _configure(app, config)
    from cms.logs import register_logging

    register_logging(app)
    _init_extensions(app)
    from cms.params import register_params

    register_params(app)  # before the blueprints: it bounds `<int:…>`
    _register_blueprints(app)

    from cms.cli import register_cli
    from cms.database import watch_sessions
    from cms.errors import register_error_handlers, register_service_error_handler
    from cms.listeners import register_listeners
    from cms.pagecache import register_page_cache
    from cms.security import register_security
    from cms.services.views import init_view_counter
    from cms.templating import register_template_helpers

    watch_sessions()
    register_listeners(app)
    register_error_handlers(app)
    register_service_error_handler(app)
    register_security(app)
    register_template_helpers(app)
    register_cli(app)
    init_view_counter(app)
    register_page_cache(app)  # last: the WSGI layer in front of everything
    return app


def _configure(app: Flask, config: type[Config] | Mapping[str, Any] | None) -> None:
    from cms.ratelimit import configure_rate_limits

    if isinstance(config, Mapping):
        from config import TestingConfig

        app.config.from_object(TestingConfig)
        app.config.update(config)
    else:
        app.config.from_object(config or config_from_env())
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _secret_key(app)
    if app.config.get("REFUSE_DEBUG") and app.debug:
        raise RuntimeError(
            "production runs with DEBUG off: unset FLASK_DEBUG (and DEBUG in "
            "instance/config.py)"
        )
    _secure_cookies(app)
    configure_rate_limits(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _secret_key(app: Flask) -> None:
    """Production needs SECRET_KEY set; elsewhere an unset one is the random
    key kept in the instance folder (never a constant known to anyone)."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("REQUIRE_SECRET_KEY"):
        raise RuntimeError("production needs SECRET_KEY set to a long random value")
    from cms.secret_key import instance_secret_key

    app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))


def _secure_cookies(app: Flask) -> None:
    """A site served over https:// (SITE_URL) sends its session and
    remember-me cookies Secure, whatever the config class and however
    SITE_URL was set (environment, FLASK_ prefix, instance config)."""
    if app.config["SITE_URL"].startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True


def _init_extensions(app: Flask) -> None:
    from cms import models  # noqa: F401  (tables must be known to migrations)
    from cms.database import configure_engine, end_sessions_safely
    from cms.extensions import csrf, db, limiter, login_manager, migrate
    from cms.models.base import render_item
    from cms.models.related import include_object

    db.init_app(app)
    end_sessions_safely(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(
        app,
        db,
        render_as_batch=True,
        render_item=render_item,
        include_object=include_object,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from cms.auth import bp as auth_bp
    from cms.comments import bp as comments_bp
    from cms.email_actions import bp as email_actions_bp
    from cms.moderation import bp as moderation_bp
    from cms.public import bp as public_bp
    from cms.tipping import bp as tipping_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(comments_bp, url_prefix="/comments")
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(moderation_bp, url_prefix="/moderation")
    app.register_blueprint(email_actions_bp, url_prefix="/moderation-mail")
    app.register_blueprint(tipping_bp, url_prefix="/tip")
