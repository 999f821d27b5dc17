"""The moderation area's guard: anonymous visitors are sent to the login page,
every staff role may enter the dashboard."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup


def moderation_requests(app) -> list[tuple[str, str]]:
    """(method, path) for every route of the moderation blueprint, each URL
    argument given the value 1 (the guard answers before any lookup); GET where
    the route has it, else its first other method."""
    found = []
    adapter = app.url_map.bind("cms.test")
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("moderation."):
            values = {name: 1 for name in rule.arguments}
            path = adapter.build(rule.endpoint, values)
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            found.append(("GET" if "GET" in methods else methods[0], path))
    return found


def assert_sent_to_login(response, path: str) -> None:
    assert response.status_code == 302, path
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login", path
    assert location.netloc in ("", "localhost"), path
    assert parse_qs(location.query) == {"next": [path]}, path


def test_every_moderation_route_sends_anonymous_visitors_to_login(app, client):
    requests = moderation_requests(app)
    assert ("GET", "/moderation/") in requests

    for method, path in requests:
        response = client.open(path, method=method)
        assert_sent_to_login(response, path)


def test_dashboard_redirect_is_exactly_the_login_url(client):
    response = client.get("/moderation/")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/auth/login"
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "next": ["/moderation/"]
    }
    # following it lands on the login form, which then leads back
    assert client.get(response.headers["Location"]).status_code == 200


def test_anonymous_visit_changes_nothing(client):
    client.get("/moderation/")

    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize("role", ["admin", "editor", "contributor"])
def test_every_staff_role_enters_the_dashboard(request, client, login, role):
    username = request.getfixturevalue(role)
    login(username)

    response = client.get("/moderation/")

    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select_one("h1").get_text(strip=True) == "概览"
    assert username in soup.select_one(".mod-user").get_text()


def test_login_then_next_leads_back_into_the_area(client, editor):
    redirect = client.get("/moderation/")
    target = parse_qs(urlsplit(redirect.headers["Location"]).query)["next"][0]

    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"username": editor, "password": "correct horse battery staple"},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"
    assert client.get("/moderation/").status_code == 200
