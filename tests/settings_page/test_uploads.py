"""Logo and favicon uploads, their reset, and pay links read from QR images."""

from __future__ import annotations

import io

import pytest
import segno

from tests.settings_page.conftest import (
    PAGE,
    audit_entries,
    parse,
    png,
    stored_settings,
)


def media_files(tmp_path) -> list[str]:
    root = tmp_path / "media"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_logo_upload_is_stored_and_shown_in_the_header(app, client, send, tmp_path):
    picture = png()
    response = send({}, files={"site.logo.upload": (picture, "logo.png")})
    assert response.status_code == 303
    key = stored_settings(app)["site.logo"]
    assert key.endswith(".png")
    assert media_files(tmp_path) == [key]
    assert (tmp_path / "media" / key).read_bytes() == picture
    (entry,) = audit_entries(app)
    assert entry.changes == {"site.logo": {"from": "", "to": key}}

    logo = parse(client.get("/")).select_one("header img.site-logo")
    assert logo["src"] == f"/media/{key}"
    served = client.get(logo["src"])
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.data == picture
    assert served.cache_control.max_age >= 365 * 24 * 3600
    # The settings page shows the current picture.
    current = parse(client.get(PAGE)).select_one("#group-site .picture-current")
    assert current["src"] == f"/media/{key}"


def test_a_favicon_may_be_an_ico(app, client, send):
    icon = png(size=(16, 16), kind="ICO")
    assert send({}, files={"site.favicon.upload": (icon, "f.ico")}).status_code == 303
    key = stored_settings(app)["site.favicon"]
    assert key.endswith(".ico")
    link = parse(client.get("/")).select_one("link[rel=icon]")
    assert link["href"] == f"/media/{key}"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("site.logo.upload", b"just some text\n", "不是可识别的图片"),
     ("site.logo.upload", png(kind="ICO"), "不是可识别的图片"),  # no ICO logos
     ("site.favicon.upload", b"GIF89a broken", "图片"),
     ("site.logo.upload", b"\x89PNG" + b"\0" * (2 * 1024 * 1024), "不能超过 2 MB")],
)  # fmt: skip
def test_a_bad_file_is_refused_and_nothing_is_stored(
    app, send, tmp_path, name, content, message
):
    response = send({"site.name": "新名字"}, files={name: (content, "x.png")})
    assert response.status_code == 400
    soup = parse(response)
    field = soup.select_one(f"[name='{name}']")
    assert message in field.find_parent(class_="field").select_one(".field-error").text
    assert field["aria-invalid"] == "true"
    assert soup.select_one("[name='site.name']")["value"] == "新名字"
    assert stored_settings(app) == {}
    assert not (tmp_path / "media").exists()
    assert audit_entries(app) == []


def test_a_good_file_with_a_bad_value_elsewhere_stores_nothing(app, send, tmp_path):
    response = send(
        {"comments.max_links": "many"}, files={"site.logo.upload": (png(), "l.png")}
    )
    assert response.status_code == 400
    assert stored_settings(app) == {}
    assert not (tmp_path / "media").exists()


def test_restore_default_clears_the_picture(app, client, send):
    send({}, files={"site.logo.upload": (png(), "logo.png")})
    assert stored_settings(app)["site.logo"]
    reset = parse(client.get(PAGE)).select_one("[name='site.logo.reset']")
    assert reset["type"] == "checkbox"
    assert send({"site.logo.reset": reset["value"]}).status_code == 303
    assert stored_settings(app)["site.logo"] == ""
    logo = parse(client.get("/")).select_one("header img.site-logo")
    assert logo["src"] == "/static/img/logo.svg"


def qr_png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=8)
    return out.getvalue()


def test_a_pay_link_is_read_from_an_uploaded_qr_image(app, send):
    pytest.importorskip("zxingcpp")
    image = qr_png("wxp://f2f0Test1234567890")
    response = send({"tipping.wechat": ""},
                    files={"tipping.wechat.upload": (image, "qr.png")})  # fmt: skip
    assert response.status_code == 303
    assert stored_settings(app)["tipping.wechat"] == "wxp://f2f0Test1234567890"


def test_a_picture_without_a_pay_link_is_refused_beside_the_field(app, send):
    response = send({"tipping.alipay": "https://qr.alipay.com/typed"},
                    files={"tipping.alipay.upload": (png(), "qr.png")})  # fmt: skip
    assert response.status_code == 400
    soup = parse(response)
    box = soup.select_one("[name='tipping.alipay']").find_parent(class_="field")
    assert box.select_one(".field-error").get_text(strip=True)
    assert soup.select_one("[name='tipping.alipay']")["value"] == (
        "https://qr.alipay.com/typed"
    )
    assert stored_settings(app) == {}


def test_a_logo_photo_loses_its_gps_position(app, client, send, tmp_path):
    from tests.media.crafted import gps_of, photo_with_gps

    photo = photo_with_gps(orientation=6, size=(60, 40))
    assert send({}, files={"site.logo.upload": (photo, "logo.jpg")}).status_code == 303

    key = stored_settings(app)["site.logo"]
    stored = (tmp_path / "media" / key).read_bytes()
    assert gps_of(stored) == {}
    assert b"CrafterCam" not in stored
