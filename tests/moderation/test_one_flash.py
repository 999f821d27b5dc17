"""One action, one message: every POST route of the moderation area that
answers with a redirect (the sample of tests/moderation/routes.py, by an
admin) lands on a page showing exactly one flash message, and the page
after that shows none (nothing left over in the session)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from cms import create_app
from tests.moderation.routes import (
    expected_post,
    make_targets,
    moderation_rules,
    request_for,
)


def _redirecting_post_routes() -> list[str]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(
        endpoint
        for endpoint, methods in moderation_rules(app)
        if "POST" in methods and expected_post(endpoint) == 303
    )


ROUTES = _redirecting_post_routes()
# Each route with its sample data; the comment queue's bulk form once per action.
ACTIONS = [pytest.param(endpoint, {}, id=endpoint) for endpoint in ROUTES] + [
    pytest.param("moderation.bulk_action", {"action": action}, id=f"bulk-{action}")
    for action in ("unapprove", "spam", "trash", "restore", "delete")
]


def _flashes(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [p.get_text(strip=True) for p in soup.select(".flashes .flash")]


def test_the_walk_covers_the_actions_people_use():
    for endpoint in (
        "moderation.post_new", "moderation.post_edit", "moderation.post_trash",
        "moderation.post_restore", "moderation.bulk_action", "moderation.undo_action",
        "moderation.page_new", "moderation.page_delete", "moderation.category_create",
        "moderation.tag_rename", "moderation.tag_merge", "moderation.tag_delete",
        "moderation.menu_add", "moderation.users", "moderation.settings",
        "moderation.media_upload_form", "moderation.media_delete",
        "moderation.wordrule_add", "moderation.wordrule_delete",
    ):  # fmt: skip
        assert endpoint in ROUTES


@pytest.mark.parametrize(("endpoint", "overrides"), ACTIONS)
def test_an_action_shows_exactly_one_message(
    app, client, login, admin, endpoint, overrides
):
    assert login(admin).status_code == 303
    with app.app_context():
        targets = make_targets(admin)
    client.get("/moderation/")  # the login's own message is shown and gone
    path, _, data = request_for(app, endpoint, targets)

    response = client.post(path, data=data | overrides)
    assert response.status_code == 303, endpoint
    page = client.get(response.headers["Location"])

    assert page.status_code == 200, endpoint
    assert len(_flashes(page)) == 1, (endpoint, _flashes(page))
    assert _flashes(client.get(response.headers["Location"])) == [], endpoint
