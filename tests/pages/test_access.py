"""Pages are for editors and admins: the area's guard refuses contributors on
every page route, and the service refuses them too."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Page, PageStatus
from cms.services import pages as service
from cms.services.errors import NotAllowed
from cms.services.page_edits import PageInput
from tests.pages.conftest import form_data, page_by_slug, user_named

PAGE_ROUTES = [
    ("GET", "/moderation/pages"),
    ("GET", "/moderation/pages/new"),
    ("POST", "/moderation/pages/new"),
    ("GET", "/moderation/pages/{id}"),
    ("POST", "/moderation/pages/{id}"),
    ("POST", "/moderation/pages/{id}/trash"),
    ("POST", "/moderation/pages/{id}/restore"),
    ("POST", "/moderation/pages/{id}/delete"),
    ("GET", "/moderation/pages/{id}/revisions"),
    ("GET", "/moderation/pages/{id}/diff?a=1&b=1"),
    ("POST", "/moderation/pages/{id}/revisions/1/restore"),
]


def test_the_list_covers_every_page_route(app):
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("moderation.page")
    }
    assert len(endpoints) == 9
    assert {
        "moderation.pages",
        "moderation.page_new",
        "moderation.page_edit",
    } <= endpoints


def test_contributor_gets_403_on_every_page_route(
    app, client, login, contributor, add_page
):
    page_id = add_page("关于我们")
    login(contributor)

    for method, path in PAGE_ROUTES:
        response = client.open(
            path.format(id=page_id), method=method,
            data=form_data(title="改掉", do="publish") if method == "POST" else None,
        )  # fmt: skip
        assert response.status_code == 403, (method, path)

    with app.app_context():
        page = page_by_slug("guan-yu-wo-men")
        assert page.title == "关于我们" and page.status == PageStatus.PUBLISHED
        assert db.session.scalar(select(func.count(Page.id))) == 1


def test_anonymous_visitors_go_to_login(client, add_page):
    page_id = add_page("关于我们")
    for method, path in PAGE_ROUTES:
        response = client.open(path.format(id=page_id), method=method)
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_staff_get_every_page(request, client, login, role, add_page):
    page_id = add_page("关于我们")
    login(request.getfixturevalue(role))
    for method, path in PAGE_ROUTES:
        if method == "GET":
            assert client.get(path.format(id=page_id)).status_code == 200, path


def test_the_service_refuses_a_contributor(app, contributor, add_page):
    page_id = add_page("关于我们")
    with app.app_context():
        actor = user_named(contributor)
        data = PageInput("新页面", "正文")
        calls = [
            lambda: service.create_page(data, actor),
            lambda: service.save_page(page_id, actor, data),
            lambda: service.publish_page(page_id, actor),
            lambda: service.unpublish_page(page_id, actor),
            lambda: service.trash_page(page_id, actor),
            lambda: service.restore_page(page_id, actor),
            lambda: service.delete_page(page_id, actor),
            lambda: service.restore_revision(page_id, 1, actor),
        ]
        for call in calls:
            with pytest.raises(NotAllowed):
                call()
        page = page_by_slug("guan-yu-wo-men")
        assert (page.title, page.status, page.version) == (
            "关于我们", PageStatus.PUBLISHED, 1,
        )  # fmt: skip
