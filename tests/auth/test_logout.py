"""Logging out: POST only, 303 home, and the session is gone."""

from __future__ import annotations

from urllib.parse import urlsplit


def test_logout_answers_303_home_and_ends_the_session(client, login, editor):
    login(editor)
    assert client.get("/moderation/").status_code == 200

    response = client.post("/auth/logout")

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    after = client.get("/moderation/")
    assert after.status_code == 302
    assert urlsplit(after.headers["Location"]).path == "/auth/login"


def test_logout_by_get_is_405_and_keeps_the_session(client, login, editor):
    login(editor)

    response = client.get("/auth/logout")

    assert response.status_code == 405
    assert client.get("/moderation/").status_code == 200


def test_logout_when_not_logged_in_still_goes_home(client):
    response = client.post("/auth/logout")

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
