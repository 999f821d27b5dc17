"""Admins see the outbox: a count of troubled mail on the dashboard and in
the navigation, the rows with their errors, and a button to send again."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import OutboxMessage, OutboxStatus, utcnow
from cms.services.mail import Mail
from cms.services.outbox import enqueue_mail
from tests.moderation.routes import failed_mail


@pytest.fixture
def admin_client(client, login, admin):
    assert login(admin).status_code == 303
    return client


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def test_failures_show_on_the_dashboard_and_the_mail_page(app, admin_client):
    app.config["MAIL_URL"] = "smtp://127.0.0.1:25"  # queued, never delivered here
    with app.app_context():
        failed_mail("lost@example.cn")
        with write_transaction():
            enqueue_mail([Mail("fine@example.cn", "主题", "正文")])
        payload = {"to": "later@example.cn", "subject": "稍后", "text": "正文"}
        retrying = OutboxMessage(
            kind="mail", payload=payload, attempts=1, last_error="timed out",
            due_at=utcnow(),
        )  # fmt: skip
        with write_transaction():
            db.session.add(retrying)

    dashboard = soup_of(admin_client.get("/moderation/"))
    stat = dashboard.select_one(".stat-mail")
    assert stat.dt.get_text() == "邮件问题"
    assert stat.dd.a.get_text() == "2" and stat.dd.a["href"] == "/moderation/mail"
    assert (
        dashboard.select_one("a[href='/moderation/mail'] .nav-badge")
        .get_text(strip=True)
        .startswith("2")
    )

    page = soup_of(admin_client.get("/moderation/mail"))
    statuses = [tr["data-status"] for tr in page.select(".mail-table tbody tr")]
    assert statuses == ["pending", "failed", "pending"]  # troubled first
    failed = page.select_one("tr[data-status='failed']")
    assert "lost@example.cn" in failed.get_text()
    assert "Connection refused" in failed.select_one(".mail-error").get_text()
    assert failed.select_one("form button").get_text() == "重新发送"


def test_retrying_a_failed_message_queues_it_again(app, admin_client):
    with app.app_context():
        row_id = failed_mail().id
    response = admin_client.post(f"/moderation/mail/{row_id}/retry")
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/mail"
    with app.app_context():
        row = db.session.get(OutboxMessage, row_id)
        assert row.status == OutboxStatus.PENDING and row.attempts == 0
    # Only failed messages can be retried; an unknown one is 404.
    again = admin_client.post(f"/moderation/mail/{row_id}/retry", follow_redirects=True)
    assert "只能重试发送失败的邮件" in again.get_data(as_text=True)
    assert admin_client.post("/moderation/mail/999999/retry").status_code == 404


def test_editors_see_no_mail_figures(app, staff):
    with app.app_context():
        failed_mail()
    dashboard = soup_of(staff.get("/moderation/"))
    assert dashboard.select_one(".stat-mail") is None
    assert dashboard.select_one("a[href='/moderation/mail']") is None
    assert staff.get("/moderation/mail").status_code == 403
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage.status)).all() == [
            OutboxStatus.FAILED
        ]
