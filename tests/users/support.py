"""What the account tests share: parsing pages, reading accounts and audit
entries back, making real images, logging in from a second browser."""

from __future__ import annotations

import io
import json

from bs4 import BeautifulSoup
from PIL import Image
from sqlalchemy import select

from cms.extensions import db
from cms.models import AuditEntry, User
from tests.conftest import PASSWORD


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def image_bytes(fmt: str = "PNG", size=(16, 16), color=(180, 35, 44)) -> bytes:
    """A real image made by Pillow."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def login_status(client, username: str, password: str = PASSWORD) -> int:
    response = client.post(
        "/auth/login", data={"username": username, "password": password}
    )
    return response.status_code


def logged_in_client(app, username: str, password: str | None = None):
    """Another browser (its own cookies), logged in as `username`."""
    other = app.test_client()
    assert login_status(other, username, password or PASSWORD) == 303
    assert area_status(other) == 200
    return other


def area_status(client) -> int:
    """200 when the client's session is logged in, 302 (to login) when not."""
    response = client.get("/moderation/")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/auth/login")
    return response.status_code


def account(app, username: str) -> User:
    """The stored account, read fresh (detached)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge_all()
        return user


def user_id(app, username: str) -> int:
    return account(app, username).id


def audit_entries(app, action: str | None = None) -> list[AuditEntry]:
    """Audit entries in order (only `action`'s when given), detached."""
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        entries = list(db.session.scalars(query))
        db.session.expunge_all()
        return entries


def entry_text(entry: AuditEntry) -> str:
    """Everything an entry stores about the change, as one string."""
    return json.dumps([entry.changes, entry.reason], ensure_ascii=False)


def field_error(soup: BeautifulSoup, name: str) -> str:
    """The error shown beside the input named `name` ("" for none)."""
    control = soup.select_one(f'[name="{name}"]')
    assert control is not None, name
    box = control.find_parent(class_="field")
    error = box.select_one(".field-error") if box else None
    return error.get_text(strip=True) if error else ""
