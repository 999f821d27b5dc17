"""What the checks share: their tally, and one seeded site to attack.

A `Site` is an app on its own SQLite file with CSRF protection on (as in
production), a seeded demo site, one account per role, and the objects the
moderation routes act on (tests/moderation/routes.py). Checks log in through
the real login form and send real requests through the Flask test client."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from cms import create_app
from cms.extensions import db
from cms.models import Role

PASSWORD = "correct horse battery staple"
REFERENCE = "fb8e1C2pWVwldAVU"  # the demo's reference article
ROLES = ("contributor", "editor", "admin")


@dataclass
class Tally:
    """What one check tried and what got through (with a few examples)."""

    name: str
    bound: int = 0
    found: int = 0
    tried: int = 0
    examples: list[str] = field(default_factory=list)

    def attempt(self, failed: bool, what: str = "") -> None:
        """Count one attempt; `failed` when the attack got through."""
        self.tried += 1
        if failed:
            self.found += 1
            if what and len(self.examples) < 8:
                self.examples.append(what)

    @property
    def ok(self) -> bool:
        return self.found <= self.bound

    def line(self) -> str:
        return f"{self.name}: {self.found}/{self.tried}"


CHECKS: dict[str, Callable[[Site], Tally]] = {}
# Checks that hold a time bound (a render's CPU time, medians of answer
# times, real session timeouts): `make security` runs them with nothing else
# running (tests/security/__main__.py).
ALONE: set[str] = set()
# For each check, the fault that proves it can fail: a function that switches
# one defence off on a Site (with pytest's monkeypatch, undone after the test).
PLANTED: dict[str, Callable[[Site, Any], None]] = {}


def check(
    name: str, alone: bool = False
) -> Callable[[Callable[[Site], Tally]], Callable[[Site], Tally]]:
    """Register a check under `name` (the name it prints); `alone`: it holds
    a time bound, so is never run beside another check."""

    def register(run: Callable[[Site], Tally]) -> Callable[[Site], Tally]:
        CHECKS[name] = run
        if alone:
            ALONE.add(name)
        return run

    return register


def planted(
    name: str,
) -> Callable[[Callable[[Site, Any], None]], Callable[[Site, Any], None]]:
    """Register the planted fault of check `name` (tests/security/test_suite.py
    plants it and expects the check's count to rise above its bound)."""

    def register(plant: Callable[[Site, Any], None]) -> Callable[[Site, Any], None]:
        PLANTED[name] = plant
        return plant

    return register


def form_token(html: str) -> str | None:
    """The first CSRF token of a page's forms."""
    field_ = BeautifulSoup(html, "html.parser").select_one("input[name=csrf_token]")
    return field_["value"] if field_ is not None else None  # type: ignore[return-value]


class Site:
    """One seeded app to attack (see the module docstring). The first Site of
    a process seeds a template database; later ones start from a copy."""

    reference = REFERENCE
    # Set by the planted-fault tests: a slow check (servers, load, a browser)
    # may then try a smaller sample; one getting through is enough there.
    quick = False
    _template: tuple[Path, dict[str, Any]] | None = None
    _template_dir: tempfile.TemporaryDirectory | None = None

    def __init__(self, **config: Any) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="cms-sec-")
        self.folder = Path(self._tmp.name)
        template = Site._template or Site._seed_template()
        shutil.copy(template[0] / "site.sqlite", self.folder / "site.sqlite")
        if (template[0] / "media").exists():
            shutil.copytree(template[0] / "media", self.folder / "media")
        self.targets = dict(template[1])
        self.app: Flask = _app(self.folder, config)

    @staticmethod
    def _seed_template() -> tuple[Path, dict[str, Any]]:
        from cms.services.demo import seed_demo
        from tests.factories import make_user
        from tests.moderation.routes import make_targets

        Site._template_dir = tempfile.TemporaryDirectory(prefix="cms-sec-template-")
        folder = Path(Site._template_dir.name)
        app = _app(folder, {})
        with app.app_context():
            db.create_all()
            for role in ROLES:
                make_user(username=role, role=Role(role), password=PASSWORD)
            targets = make_targets("contributor")
            seed_demo()
            db.session.remove()
            db.engine.dispose()
        Site._template = (folder, targets)
        return Site._template

    @contextmanager
    def context(self):
        with self.app.app_context():
            yield

    def client(self, role: str | None = None) -> FlaskClient:
        """A test client, logged in through the form as `role` (None: anonymous)."""
        client = self.app.test_client()
        if role is not None:
            page = client.get("/auth/login").get_data(as_text=True)
            response = client.post(
                "/auth/login",
                data={
                    "username": role,
                    "password": PASSWORD,
                    "csrf_token": form_token(page),
                },
            )
            if response.status_code != 303:
                raise RuntimeError(f"log-in as {role} failed: {response.status_code}")
        return client

    def enough(self, tally: Tally) -> bool:
        """In a planted-fault run (`quick`), a check may stop at its first find."""
        return self.quick and not tally.ok

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        self._tmp.cleanup()


def _app(folder: Path, config: dict[str, Any]) -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'site.sqlite'}",
            "WTF_CSRF_ENABLED": True,
            "MEDIA_URL": f"file://{folder / 'media'}",
            "LOG_LEVEL": "ERROR",
            # An exception is the 500 page a visitor would get, not a crash of
            # the suite (checks judge answers).
            "PROPAGATE_EXCEPTIONS": False,
        }
        | config
    )
