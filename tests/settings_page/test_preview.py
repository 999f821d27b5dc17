"""The reprint notice's preview: filled in by the server like the article
page fills it; a bad template answers its error."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.models import Role
from cms.services.settings import set_setting
from tests.conftest import PASSWORD
from tests.factories import make_article, make_user
from tests.settings_page.conftest import PAGE, parse

PREVIEW = "/moderation/settings/notice-preview"


@pytest.fixture
def newest(app):
    """Two published articles; the newer is the sample."""
    with app.app_context():
        set_setting("site.name", "资源分享网")
        owner = make_user(username="writer", display_name="王小明", password=None)
        make_article(title="旧文章", owner=owner, ago=timedelta(days=2))
        article = make_article(title="新文章<b>", owner=owner)
        return article.public_id


def test_the_preview_fills_in_the_newest_article(staff, newest):
    response = staff.post(PREVIEW, json={"template": "{title}｜{contributor}｜"
                                         "{site_name}｜{canonical_url}"})  # fmt: skip
    assert response.status_code == 200
    url = f"http://cms.test/{newest}.html"
    assert response.json == {
        "html": f'新文章&lt;b&gt;｜王小明｜资源分享网｜<a href="{url}">{url}</a>'
    }


def test_the_preview_equals_the_article_page_notice(app, client, staff, newest):
    template = "转载自{site_name}：{canonical_url}（{title}）"
    html = staff.post(PREVIEW, json={"template": template}).json["html"]
    with app.app_context():
        set_setting("site.reprint_notice", template)
    notice = parse(client.get(f"/{newest}.html")).select_one(".attribution p")
    assert notice.decode_contents() == html


def test_a_site_without_articles_uses_sample_values(staff):
    response = staff.post(PREVIEW, json={"template": "{contributor}：{title}"})
    assert response.json == {"html": "张三：示例文章标题"}


@pytest.mark.parametrize(
    ("template", "message"),
    [("来自{author}", "未知的占位符 {author}"), ("来自{title", "花括号不成对")],
)
def test_a_bad_template_answers_the_reason(staff, template, message):
    response = staff.post(PREVIEW, json={"template": template})
    assert response.status_code == 400
    assert message in response.json["error"]


def test_a_request_without_a_template_is_refused(staff):
    assert staff.post(PREVIEW, json={"x": 1}).status_code == 400
    assert staff.post(PREVIEW, json=["{title}"]).status_code == 400
    assert (
        staff.post(
            PREVIEW, data="{nonsense", content_type="application/json"
        ).status_code
        == 400
    )


def test_without_javascript_the_page_shows_the_saved_notice(app, staff, newest):
    with app.app_context():
        set_setting("site.reprint_notice", "本文标题：{title}")
    box = parse(staff.get(PAGE)).select_one("#notice-preview")
    assert box.get_text(strip=True) == "本文标题：新文章<b>"
    assert box["data-url"] == PREVIEW


class TestWithCsrf:
    """With CSRF on: the preview needs the page's token in X-CSRFToken."""

    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def token_client(self, app, client):
        with app.app_context():
            make_user(username="ed", role=Role.EDITOR, password=PASSWORD)
        login_page = parse(client.get("/auth/login"))
        token = login_page.select_one("input[name=csrf_token]")["value"]
        client.post("/auth/login", data={"username": "ed", "password": PASSWORD,
                                         "csrf_token": token})  # fmt: skip
        return client

    def test_the_token_in_the_header_is_required(self, token_client):
        page = parse(token_client.get(PAGE))
        token = page.select_one("#notice-preview")["data-csrf"]
        body = {"template": "{title}"}
        assert token_client.post(PREVIEW, json=body).status_code == 400
        forged = token_client.post(PREVIEW, json=body, headers={"X-CSRFToken": "x"})
        assert forged.status_code == 400
        ok = token_client.post(PREVIEW, json=body, headers={"X-CSRFToken": token})
        assert ok.status_code == 200

    def test_the_settings_form_needs_its_token(self, app, token_client):
        page = parse(token_client.get(PAGE))
        from tests.settings_page.conftest import form_data, stored_settings

        data = form_data(page) | {"site.name": "新名字"}
        assert data["csrf_token"]
        without = {k: v for k, v in data.items() if k != "csrf_token"}
        assert token_client.post(PAGE, data=without).status_code == 400
        assert stored_settings(app) == {}
        assert token_client.post(PAGE, data=data).status_code == 303
        assert stored_settings(app) == {"site.name": "新名字"}
