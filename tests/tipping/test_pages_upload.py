"""The upload path through the real pages: a QR picture uploaded on the
settings page (site default) or the profile page (an author's own link) ends
up as the link behind the code the article page serves; a bad picture is
refused with its message beside the field and nothing stored."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from cms.extensions import db
from cms.models import Setting, User
from tests.factories import make_article
from tests.tipping.conftest import parse, tip_images
from tests.tipping.support import browser_form_data, decode, qr_image, rasterize_svg

SETTINGS = "/moderation/settings"
PROFILE = "/moderation/profile"
SITE_WECHAT = "wxp://f2f0UploadedOnTheSettingsPage"
OWN_ALIPAY = "https://qr.alipay.com/fkxUploadedOnTheProfilePage"


@pytest.fixture
def app_config(app_config, tmp_path):
    return app_config | {"MEDIA_URL": f"file://{tmp_path}/media"}


def post_page(client, path: str, selector: str, files: dict):
    data: dict = browser_form_data(parse(client.get(path)).select_one(selector))
    for name, content in files.items():
        data[name] = (io.BytesIO(content), "qr.png")
    return client.post(path, data=data, content_type="multipart/form-data")


def served_link(client, src: str) -> str:
    response = client.get(src)
    assert response.status_code == 200
    return decode(rasterize_svg(response.data))[0]


def field_errors(response) -> str:
    return " ".join(
        p.get_text(" ", strip=True)
        for p in parse(response).select(".field-error, .form-error, [role=alert]")
    )


def test_settings_page_upload_sets_the_site_default(app, client, login, editor):
    with app.app_context():
        author = db.session.scalar(select(User).where(User.username == editor))
        item = make_article(owner=author)
    assert login(editor).status_code == 303

    answer = post_page(
        client, SETTINGS, "form.settings-form",
        {"tipping.wechat.upload": qr_image(SITE_WECHAT)},
    )  # fmt: skip

    assert answer.status_code == 303
    with app.app_context():
        assert db.session.get(Setting, "tipping.wechat").value == SITE_WECHAT
    images = tip_images(client.get(f"/{item.public_id}.html"))
    assert served_link(client, images["wechat"]) == SITE_WECHAT


def test_settings_page_refuses_a_picture_without_qr(app, client, login, editor):
    assert login(editor).status_code == 303
    blank = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(blank, format="PNG")

    answer = post_page(
        client, SETTINGS, "form.settings-form",
        {"tipping.wechat.upload": blank.getvalue()},
    )  # fmt: skip

    assert answer.status_code == 400
    assert "图片中没有找到二维码" in field_errors(answer)
    with app.app_context():
        assert db.session.get(Setting, "tipping.wechat") is None


def test_profile_page_upload_sets_the_authors_own_link(app, client, login, editor):
    with app.app_context():
        author = db.session.scalar(select(User).where(User.username == editor))
        item = make_article(owner=author)
    assert login(editor).status_code == 303

    answer = post_page(
        client, PROFILE, "form[enctype='multipart/form-data']",
        {"alipay_qr": qr_image(OWN_ALIPAY, kind="jpeg")},
    )  # fmt: skip

    assert answer.status_code == 303
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.username == editor))
        assert stored.tip_alipay == OWN_ALIPAY
    images = tip_images(client.get(f"/{item.public_id}.html"))
    assert set(images) == {"alipay"}
    assert served_link(client, images["alipay"]) == OWN_ALIPAY


def test_profile_page_refuses_a_qr_of_a_bad_link(app, client, login, editor):
    assert login(editor).status_code == 303

    answer = post_page(
        client, PROFILE, "form[enctype='multipart/form-data']",
        {"wechat_qr": qr_image("javascript:alert(1)")},
    )  # fmt: skip

    assert answer.status_code == 400
    assert "二维码中的链接不可用" in field_errors(answer)
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.username == editor))
        assert (stored.tip_wechat, stored.tip_alipay) == ("", "")
