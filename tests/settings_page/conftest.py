"""Fixtures for the settings page: a logged-in editor, the page's form as a
browser would send it, stored settings and audit entries."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from sqlalchemy import select

from cms.extensions import db
from cms.models import AuditEntry, Setting
from tests.conftest import PASSWORD

PAGE = "/moderation/settings"


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def form_data(soup: BeautifulSoup) -> dict[str, str]:
    """Every named input of the settings form as a browser sends it: checked
    boxes only, the selected option, file inputs left out."""
    form = soup.select_one("form.settings-form")
    assert form is not None
    data: dict[str, str] = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        if field.name == "textarea":
            # A browser drops the one line break right after <textarea>.
            text = field.get_text()
            data[name] = text[2:] if text.startswith("\r\n") else text
        elif field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[name] = chosen["value"]
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.get("type") != "file":
            data[name] = field.get("value", "")
    return data


def png(colour: str = "#b4232c", size: tuple[int, int] = (32, 32), kind="PNG") -> bytes:
    """A real image made with Pillow."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def stored_settings(app) -> dict[str, str]:
    with app.app_context():
        return {s.key: s.value for s in db.session.scalars(select(Setting))}


def audit_entries(app, action: str = "settings") -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action)
        ).all()
        db.session.expunge_all()
        return entries


@pytest.fixture
def app_config(app_config, tmp_path):
    """Uploads go to the test's own folder, not instance/."""
    return app_config | {"MEDIA_URL": f"file://{tmp_path}/media"}


@pytest.fixture
def staff(client, login, editor):
    """The client, logged in as an editor."""
    assert login(editor).status_code == 303
    return client


@pytest.fixture
def boss(app, login, admin):
    """Another client, logged in as an admin."""
    client = app.test_client()
    client.post("/auth/login", data={"username": admin, "password": PASSWORD})
    return client


@pytest.fixture
def send(staff):
    """send(changes, files=None) posts the page's own form with `changes`
    applied (a value of None leaves that field out, e.g. an unchecked box)."""
    return sender(staff)


@pytest.fixture
def admin_send(boss):
    """send, as an admin."""
    return sender(boss)


def sender(staff):
    """send(changes, files=None) for the logged-in client `staff`."""

    def do(changes: dict[str, str | None], files: dict | None = None):
        data: dict = form_data(parse(staff.get(PAGE)))
        for name, value in changes.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        for name, (content, filename) in (files or {}).items():
            data[name] = (io.BytesIO(content), filename)
        return staff.post(PAGE, data=data, content_type="multipart/form-data")

    return do
