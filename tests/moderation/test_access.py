"""The moderation area's guard, walked over every rule of the URL map:
anonymous visitors go to the login page; each role gets exactly the routes
open to it (cms.moderation.views.allowed_roles) and 403 everywhere else."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from cms.models import Role
from cms.moderation.views import OPEN_TO, allowed_roles
from tests.moderation.helpers import statuses
from tests.moderation.routes import (
    SAMPLES,
    make_targets,
    moderation_rules,
    permitted,
    request_for,
    sample_paths,
)

EVERYONE = {
    "moderation.dashboard", "moderation.posts", "moderation.post_new",
    "moderation.post_edit", "moderation.post_preview", "moderation.post_trash",
    "moderation.post_restore", "moderation.profile", "moderation.change_password",
    "moderation.media_library", "moderation.media_upload_form",
    "moderation.media_upload", "moderation.media_delete",
    "moderation.post_autosave_new", "moderation.post_autosave",
    "moderation.post_autosave_discard_new", "moderation.post_autosave_discard",
    "moderation.two_factor",
}  # fmt: skip
ADMINS_ONLY = {
    "moderation.users",
    "moderation.user_edit",
    "moderation.audit",
    "moderation.mail_queue",
    "moderation.mail_retry",
}


def assert_sent_to_login(response, path: str) -> None:
    assert response.status_code == 302, path
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login", path
    assert location.netloc in ("", "localhost"), path
    assert parse_qs(location.query) == {"next": [path]}, path


@pytest.fixture
def targets(app, contributor):
    with app.app_context():
        return make_targets(contributor)


def test_every_route_is_in_the_matrix(app):
    endpoints = {endpoint for endpoint, _ in moderation_rules(app)}

    assert endpoints == set(SAMPLES), "add new routes to tests/moderation/routes.py"
    # and the area has POST-only routes, each also tested below
    assert any("GET" not in methods for _, methods in moderation_rules(app))


def test_who_may_use_what_is_exactly_this():
    assert {e for e, roles in OPEN_TO.items() if roles == set(Role)} == EVERYONE
    assert {e for e, roles in OPEN_TO.items() if roles == {Role.ADMIN}} == ADMINS_ONLY
    assert set(OPEN_TO) == EVERYONE | ADMINS_ONLY


def test_a_route_without_an_entry_is_for_editors_and_admins_only():
    assert allowed_roles("moderation.some_future_page") == {Role.ADMIN, Role.EDITOR}
    assert allowed_roles(None) == {Role.ADMIN, Role.EDITOR}
    assert allowed_roles("moderation.dashboard") == set(Role)


def test_every_moderation_route_sends_anonymous_visitors_to_login(app, client, targets):
    for _, path, methods in sample_paths(app, targets):
        for method in methods:
            assert_sent_to_login(client.open(path, method=method), path)


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


@pytest.mark.parametrize("role", ["contributor", "editor"])
def test_a_role_gets_403_on_every_route_not_open_to_it(
    request, app, client, login, role, targets
):
    login(request.getfixturevalue(role))
    refused = 0

    for endpoint, methods in moderation_rules(app):
        if permitted(endpoint, role):
            continue
        path, query, data = request_for(app, endpoint, targets)
        for method in sorted(methods):
            response = client.open(
                path, method=method, query_string=query,
                data=data if method == "POST" else None,
            )  # fmt: skip
            assert response.status_code == 403, (endpoint, method)
            refused += 1

    assert refused > 0
    with app.app_context():
        assert statuses(targets["comment"]) == ["pending"]  # nothing changed


@pytest.mark.parametrize("role", ["contributor", "editor", "admin"])
def test_a_role_reads_every_page_open_to_it(request, app, client, login, role, targets):
    login(request.getfixturevalue(role))
    paths = sample_paths(app, targets)
    readable = {path for _, path, methods in paths if "GET" in methods}

    for endpoint, path, methods in paths:
        if not permitted(endpoint, role):
            continue
        query = SAMPLES[endpoint].get("query")
        if "GET" in methods:
            assert client.get(path, query_string=query).status_code == 200, endpoint
        elif path not in readable:
            # POST only: a GET is refused (405), and changes nothing
            assert client.get(path, query_string=query).status_code == 405, endpoint
    with app.app_context():
        assert statuses(targets["comment"]) == ["pending"]


@pytest.mark.parametrize("role", ["admin", "editor", "contributor"])
def test_every_link_of_the_area_navigation_opens(request, client, login, role):
    username = request.getfixturevalue(role)
    login(username)

    response = client.get("/moderation/")

    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select_one("h1").get_text(strip=True) == "概览"
    assert username in soup.select_one(".mod-user").get_text()
    links = soup.select(".mod-nav a")
    assert links[0].get_text(strip=True) == "概览"
    for link in links:  # no link to a page that would answer 403
        assert client.get(link["href"]).status_code == 200, link["href"]
    names = {a.get_text(" ", strip=True).split(" ")[0] for a in links}
    if role == "contributor":
        assert names == {"概览", "我的投稿", "图片库", "个人资料"}
    else:
        assert {"文章", "评论", "页面", "分类", "设置"} <= names
        assert ("用户" in names) == (role == "admin")


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
