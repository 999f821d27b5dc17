"""Who may use the settings page and its preview: editors and admins."""

from __future__ import annotations

import pytest

from tests.settings_page.conftest import PAGE, stored_settings

PREVIEW = "/moderation/settings/notice-preview"


@pytest.mark.parametrize("path", [PAGE])
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/auth/login?next={path}"


def test_anonymous_posts_change_nothing(app, client):
    response = client.post(PAGE, data={"site.name": "改名"})
    assert response.status_code == 302
    assert client.post(PREVIEW, json={"template": "{title}"}).status_code == 302
    assert stored_settings(app) == {}


def test_contributors_are_refused(app, client, login, contributor):
    login(contributor)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"site.name": "改名"}).status_code == 403
    assert client.post(PREVIEW, json={"template": "{title}"}).status_code == 403
    assert stored_settings(app) == {}


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_admins_see_the_page(request, client, login, role):
    login(request.getfixturevalue(role))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "设置" in response.get_data(as_text=True)
    assert client.post(PREVIEW, json={"template": "{title}"}).status_code == 200
