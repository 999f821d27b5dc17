"""The moderation area's guard, walked over every rule of the URL map:
anonymous visitors go to the login page, contributors enter the dashboard
only (403 everywhere else), editors and admins get every page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from cms.models import Role
from cms.moderation.views import OPEN_TO, allowed_roles
from cms.services.moderation import apply_action
from tests.moderation.helpers import add_comment, statuses

# What each route needs to answer 200 (GET) or 303 (POST) for a moderator:
# query string and form data; "{comment}" and "{entry}" are filled in. A route
# missing here fails test_every_route_is_in_the_matrix: add it.
SAMPLES: dict[str, dict] = {
    "moderation.dashboard": {},
    "moderation.comment_queue": {"query": {"status": "pending"}},
    "moderation.bulk_action": {"data": {"ids": "{comment}", "action": "approve"}},
    "moderation.undo_action": {"data": {"entry_id": "{entry}"}},
    "moderation.empty_bin": {"data": {"status": "trash"}},
    "moderation.reply": {"data": {"body": "谢谢你的留言。"}},
    "moderation.edit": {"data": {"body": "改过的评论内容", "next": ""}},
    "moderation.ban": {"data": {"by_email": "y", "spam_pending": "y"}},
    "moderation.commenters": {"query": {"email": "reader@example.cn"}},
    "moderation.export": {"query": {"email": "reader@example.cn"}},
    "moderation.erase": {
        "data": {"email": "nobody@example.cn", "mode": "personal", "confirm": "y"}
    },
}


def moderation_rules(app) -> list[tuple[str, str, set[str]]]:
    """(endpoint, path, methods) for every rule of the moderation blueprint,
    each URL argument given the value 1 (the guard answers before any lookup)."""
    found = []
    adapter = app.url_map.bind("cms.test")
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("moderation."):
            path = adapter.build(rule.endpoint, {name: 1 for name in rule.arguments})
            found.append((rule.endpoint, path, set(rule.methods - {"HEAD", "OPTIONS"})))
    return found


def moderation_requests(app) -> list[tuple[str, str]]:
    """(method, path): GET where the route has it, else its other method."""
    return [
        ("GET" if "GET" in methods else sorted(methods)[0], path)
        for _, path, methods in moderation_rules(app)
    ]


def assert_sent_to_login(response, path: str) -> None:
    assert response.status_code == 302, path
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login", path
    assert location.netloc in ("", "localhost"), path
    assert parse_qs(location.query) == {"next": [path]}, path


def fill(sample: dict, comment_id: int, entry_id: int) -> dict[str, str]:
    return {
        key: value.format(comment=comment_id, entry=entry_id)
        for key, value in sample.items()
    }


@pytest.fixture
def targets(app, article):
    """A pending comment and an undoable action (its audit entry)."""
    with app.app_context():
        comment = add_comment(article)
        other = add_comment(article)
        entry = apply_action([other.id], "spam", None).entry
        return comment.id, entry.id


def test_every_route_is_in_the_matrix(app):
    endpoints = {endpoint for endpoint, _, _ in moderation_rules(app)}

    assert endpoints == set(SAMPLES), "add new routes to SAMPLES"
    assert ("GET", "/moderation/") in moderation_requests(app)
    # and the area has POST-only routes, each also tested below
    assert any("GET" not in m for _, _, m in moderation_rules(app))


def test_a_route_without_an_entry_is_for_editors_and_admins_only():
    assert allowed_roles("moderation.some_future_page") == {Role.ADMIN, Role.EDITOR}
    assert allowed_roles(None) == {Role.ADMIN, Role.EDITOR}
    assert allowed_roles("moderation.dashboard") == set(Role)
    assert set(OPEN_TO) == {"moderation.dashboard"}


def test_every_moderation_route_sends_anonymous_visitors_to_login(app, client):
    for method, path in moderation_requests(app):
        response = client.open(path, method=method)
        assert_sent_to_login(response, path)


def test_anonymous_posts_to_every_post_route_go_to_login(app, client):
    for _, path, methods in moderation_rules(app):
        if "POST" in methods:
            assert_sent_to_login(client.post(path, data={"action": "approve"}), path)


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


def test_contributor_gets_403_everywhere_but_the_dashboard(
    app, client, login, contributor, targets
):
    comment_id, entry_id = targets
    login(contributor)

    for endpoint, path, methods in moderation_rules(app):
        path = path.replace("/1/", f"/{comment_id}/")
        sample = SAMPLES[endpoint]
        for method in sorted(methods):
            response = client.open(
                path,
                method=method,
                query_string=sample.get("query"),
                data=fill(sample.get("data", {}), comment_id, entry_id)
                if method == "POST"
                else None,
            )
            expected = 200 if endpoint == "moderation.dashboard" else 403
            assert response.status_code == expected, (endpoint, method)

    with app.app_context():
        assert statuses(comment_id) == ["pending"]  # the POSTs changed nothing


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_moderators_get_every_page(request, app, client, login, role, targets):
    comment_id, entry_id = targets
    login(request.getfixturevalue(role))
    rules = moderation_rules(app)
    # POST /moderation/comments shares its path with the queue's GET
    readable = {path for _, path, methods in rules if "GET" in methods}

    for endpoint, path, methods in rules:
        path = path.replace("/1/", f"/{comment_id}/")
        query = SAMPLES[endpoint].get("query")
        if "GET" in methods:
            response = client.get(path, query_string=query)
            assert response.status_code == 200, endpoint
        elif path not in readable:
            # POST only: a GET is refused (405), and changes nothing
            assert client.get(path, query_string=query).status_code == 405, endpoint
    with app.app_context():
        assert statuses(comment_id) == ["pending"]


@pytest.mark.parametrize("role", ["admin", "editor", "contributor"])
def test_every_staff_role_enters_the_dashboard(request, client, login, role):
    username = request.getfixturevalue(role)
    login(username)

    response = client.get("/moderation/")

    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select_one("h1").get_text(strip=True) == "概览"
    assert username in soup.select_one(".mod-user").get_text()
    nav = [a.get_text(" ", strip=True) for a in soup.select(".mod-nav a")]
    if role == "contributor":
        assert nav == ["概览"]  # no links to pages that would answer 403
    else:
        assert nav[0] == "概览" and nav[1].startswith("评论") and nav[2] == "评论者"


def test_login_then_next_leads_back_into_the_area(client, editor):
    redirect = client.get("/moderation/comments?status=spam")
    target = parse_qs(urlsplit(redirect.headers["Location"]).query)["next"][0]
    assert target == "/moderation/comments?status=spam"

    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"username": editor, "password": "correct horse battery staple"},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == target
    assert client.get(target).status_code == 200
