"""The profile page (every role): name, bio, address, avatar and pay links,
shown on /author/<username>/; the author page itself."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from cms.services import profiles
from cms.services.errors import InvalidInput
from tests.factories import make_article, make_user
from tests.media.crafted import HTML_AS_PNG, gps_of, photo_with_gps
from tests.users.support import (
    account,
    audit_entries,
    field_error,
    image_bytes,
    parse,
    user_id,
)

WECHAT = "wxp://f2f0example-wechat-link"
ALIPAY = "https://qr.alipay.com/fkx00000example"


def profile_data(**changes) -> dict:
    data = {"display_name": "小编", "bio": "", "email": "", "tip_wechat": "",
            "tip_alipay": ""}  # fmt: skip
    return data | changes


def post_profile(client, **changes):
    return client.post(
        "/moderation/profile", data=profile_data(**changes),
        content_type="multipart/form-data",
    )  # fmt: skip


def upload(data: bytes, name: str = "picture.png"):
    return (io.BytesIO(data), name)


@pytest.fixture
def me(client, login, contributor):
    """The client, logged in as a contributor (the profile is for every role)."""
    assert login(contributor).status_code == 303
    return contributor


@pytest.mark.parametrize("role", ["admin", "editor", "contributor"])
def test_every_role_has_a_profile_and_a_password_page(request, client, login, role):
    login(request.getfixturevalue(role))

    assert client.get("/moderation/profile").status_code == 200
    assert client.get("/moderation/password").status_code == 200


def test_the_form_shows_the_stored_profile(app, client, me):
    soup = parse(client.get("/moderation/profile"))

    form = soup.select_one("form[enctype='multipart/form-data']")
    assert form.select_one("input[name=display_name]")["value"] == me
    assert form.select_one("input[name=avatar][type=file]") is not None
    assert audit_entries(app) == []


def test_saving_the_profile(app, client, me):
    response = post_profile(
        client, display_name="  投稿的小王 ", bio="第一段。\r\n\r\n第二段。",
        email="Wang@Example.CN", tip_wechat=f" {WECHAT} ", tip_alipay=ALIPAY,
    )  # fmt: skip

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/profile"
    user = account(app, me)
    assert user.display_name == "投稿的小王"
    assert user.bio == "第一段。\n\n第二段。"
    assert user.email == "wang@example.cn"
    assert (user.tip_wechat, user.tip_alipay) == (WECHAT, ALIPAY)
    [entry] = audit_entries(app)
    assert entry.action == "profile-update"
    assert entry.actor_id == user.id and entry.target_ids == [user.id]
    assert set(entry.changes) == {"display_name", "bio", "email", "tip_wechat",
                                  "tip_alipay"}  # fmt: skip
    assert entry.changes["display_name"] == {"from": me, "to": "投稿的小王"}


def test_only_changed_fields_are_audited(app, client, me):
    post_profile(client, display_name=me, bio="简介")
    post_profile(client, display_name=me, bio="简介")  # unchanged
    post_profile(client, display_name=me, bio="简介", tip_wechat=WECHAT)

    entries = audit_entries(app)
    assert [set(e.changes) for e in entries] == [{"bio"}, {"tip_wechat"}]


@pytest.mark.parametrize(
    "field, value, message",
    [("tip_wechat", "javascript:alert(1)", "收款链接须以"),
     ("tip_alipay", "https://", "缺少地址"),
     ("tip_wechat", "http://pay.example.cn/x", "收款链接须以"),
     ("email", "not-an-address", "邮箱格式不正确"),
     ("display_name", "", "显示名称"),
     ("bio", "长" * 2001, "2000")],
)  # fmt: skip
def test_bad_input_is_400_beside_its_field_and_nothing_stored(
    app, client, me, field, value, message
):
    response = post_profile(client, **({"bio": "新的简介"} | {field: value}))

    assert response.status_code == 400
    soup = parse(response)
    assert message in field_error(soup, field)
    if field != "bio":  # the rest of the input is kept
        assert soup.select_one("textarea[name=bio]").get_text().strip() == "新的简介"
    if field.startswith("tip_"):
        assert soup.select_one(f"input[name={field}]")["value"] == value
    user = account(app, me)
    assert (user.bio, user.tip_wechat, user.tip_alipay) == ("", "", "")
    assert audit_entries(app) == []


def test_an_avatar_upload_is_shown_on_the_author_page(app, client, me):
    picture = image_bytes("PNG")

    response = client.post(
        "/moderation/profile",
        data=profile_data(display_name=me, avatar=upload(picture)),
        content_type="multipart/form-data",
    )

    assert response.status_code == 303
    key = account(app, me).avatar
    assert key.endswith(".png")
    [entry] = audit_entries(app)
    assert entry.changes == {"avatar": {"from": "", "to": key}}
    page = parse(client.get(f"/author/{me}/"))
    img = page.select_one(".list-header img.author-avatar")
    assert img is not None and img["src"].endswith(key)
    served = client.get(img["src"])
    assert served.status_code == 200
    assert served.data == picture


def test_removing_the_avatar(app, client, me):
    client.post(
        "/moderation/profile",
        data=profile_data(
            display_name=me, avatar=upload(image_bytes("WEBP"), "a.webp")
        ),
        content_type="multipart/form-data",
    )
    assert account(app, me).avatar.endswith(".webp")

    response = post_profile(client, display_name=me, remove_avatar="y")

    assert response.status_code == 303
    assert account(app, me).avatar == ""
    page = parse(client.get(f"/author/{me}/"))
    assert page.select_one(".list-header img.author-avatar") is None
    assert page.select_one(".author-initial").get_text() == me[0]


@pytest.mark.parametrize(
    "data, message",
    [(image_bytes("GIF"), "不是可识别的图片"),
     (b"not an image at all", "不是可识别的图片"),
     (b"\x89PNG" + b"0" * (2 * 1024 * 1024), "2 MB")],
)  # fmt: skip
def test_a_bad_avatar_is_400_and_nothing_stored(app, client, me, data, message):
    response = client.post(
        "/moderation/profile",
        data=profile_data(display_name="改名", avatar=upload(data)),
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert message in field_error(parse(response), "avatar")
    user = account(app, me)
    assert (user.avatar, user.display_name) == ("", me)


def test_a_qr_image_gives_the_pay_link(app, client, me, monkeypatch):
    seen = []

    def read_qr(data: bytes) -> str:
        seen.append(data)
        return ALIPAY

    monkeypatch.setattr(profiles, "link_from_image", read_qr)
    qr = image_bytes("PNG", color=(0, 0, 0))

    response = client.post(
        "/moderation/profile",
        data=profile_data(display_name=me, tip_alipay="", alipay_qr=upload(qr)),
        content_type="multipart/form-data",
    )

    assert response.status_code == 303
    assert seen == [qr]
    assert account(app, me).tip_alipay == ALIPAY


def test_an_unreadable_qr_image_is_that_fields_error(app, client, me, monkeypatch):
    def unreadable(data: bytes) -> str:
        raise InvalidInput("图片中没有找到收款二维码")

    monkeypatch.setattr(profiles, "link_from_image", unreadable)

    response = client.post(
        "/moderation/profile",
        data=profile_data(display_name=me, tip_wechat=WECHAT,
                          wechat_qr=upload(image_bytes())),
        content_type="multipart/form-data",
    )  # fmt: skip

    assert response.status_code == 400
    soup = parse(response)
    assert field_error(soup, "wechat_qr") == "图片中没有找到收款二维码"
    assert field_error(soup, "tip_wechat") == ""
    assert account(app, me).tip_wechat == ""


# -- the author page -----------------------------------------------------------


def test_the_author_page_shows_name_bio_and_initial(app, client):
    with app.app_context():
        author = make_user("wang", display_name="王小二", password=None)
        make_article(owner=author, title="王的文章")
        profiles.update_profile(author.id, profiles.ProfileInput(
            display_name="王小二", bio="<script>alert(1)</script>\n第一行\n\n第二段",
            email="", tip_wechat="", tip_alipay="",
        ))  # fmt: skip

    response = client.get("/author/wang/")

    assert response.status_code == 200
    soup = parse(response)
    header = soup.select_one(".list-header")
    assert header.select_one("h1").get_text(strip=True) == "作者：王小二"
    paragraphs = [p.get_text() for p in header.select(".author-bio p")]
    assert paragraphs == ["<script>alert(1)</script>\n第一行", "第二段"]
    assert header.select("script") == []  # escaped, not run
    assert header.select_one(".author-initial").get_text() == "王"
    assert "王的文章" in soup.select_one(".article-list").get_text()


def test_an_inactive_demo_author_keeps_their_page(app, client):
    with app.app_context():
        author = make_user("olddemo", display_name="演示作者", password=None,
                           active=False)  # fmt: skip
        make_article(owner=author, title="演示文章")

    response = client.get("/author/olddemo/")

    assert response.status_code == 200
    assert "演示文章" in response.get_data(as_text=True)


def test_the_profile_is_the_users_own(app, client, me, editor):
    """Posting the profile changes the logged-in account, never another."""
    post_profile(client, display_name="我自己", bio="只改自己")

    assert account(app, me).display_name == "我自己"
    assert account(app, editor).bio == ""
    assert audit_entries(app)[0].target_ids == [user_id(app, me)]


def test_an_avatar_photo_loses_its_gps_position_and_is_turned_upright(app, client, me):
    photo = photo_with_gps(orientation=6, size=(60, 40))  # 39°54′N 116°23′E
    response = client.post(
        "/moderation/profile",
        data=profile_data(display_name=me, avatar=upload(photo, "me.jpg")),
        content_type="multipart/form-data",
    )

    assert response.status_code == 303
    served = client.get(f"/media/{account(app, me).avatar}")
    assert served.mimetype == "image/jpeg"
    assert gps_of(served.data) == {}
    assert b"CrafterCam" not in served.data
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.size == (40, 60)  # orientation 6 applied to the pixels
        assert not image.getexif()


def test_an_html_file_named_png_is_refused_as_an_avatar(app, client, me):
    response = client.post(
        "/moderation/profile",
        data=profile_data(display_name=me, avatar=upload(HTML_AS_PNG, "me.png")),
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert "不是图片" in field_error(parse(response), "avatar")
    assert account(app, me).avatar == ""
