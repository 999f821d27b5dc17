"""The QR images the tip box shows: served from /tip/<key>.svg, decoded back
to the configured links, cached for good under a URL that follows the link."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import segno

from cms.extensions import db
from cms.services.demo import REFERENCE_PUBLIC_ID, seed_demo
from cms.services.settings import get_setting, set_setting
from cms.services.tipping import qr_key, qr_svg
from tests.speedups import copy_database
from tests.tipping.conftest import OWN_ALIPAY, OWN_WECHAT, tip_images
from tests.tipping.support import (
    SVG_NS,
    decode,
    rasterize_svg,
    segno_png_of,
    set_own_links,
)

REFERENCE = f"/{REFERENCE_PUBLIC_ID}.html"


@pytest.fixture
def demo(app):
    """The demo site; returns its default links."""
    with app.app_context():
        copy_database(db, "demo", seed_demo)  # seed_demo, once a process
        return {
            "wechat": get_setting("tipping.wechat"),
            "alipay": get_setting("tipping.alipay"),
        }


def served_link(client, src: str) -> str:
    """Fetch a QR image and decode it: the served SVG drawn to pixels, and
    (as the issue asks) the PNG segno makes from the link behind the key."""
    response = client.get(src)
    assert response.status_code == 200
    from_svg = decode(rasterize_svg(response.data))
    assert len(from_svg) == 1
    assert decode(segno_png_of(from_svg[0])) == from_svg
    return from_svg[0]


def test_the_reference_article_codes_decode_to_the_demo_links(client, demo):
    assert demo["wechat"].startswith("wxp://")
    assert demo["alipay"].startswith("https://")

    images = tip_images(client.get(REFERENCE))

    assert set(images) == {"wechat", "alipay"}
    assert {kind: served_link(client, src) for kind, src in images.items()} == demo


def test_the_reference_article_codes_follow_its_authors_own_links(app, client, demo):
    with app.app_context():
        set_own_links("guanliyuan", wechat=OWN_WECHAT, alipay=OWN_ALIPAY)

    images = tip_images(client.get(REFERENCE))

    assert served_link(client, images["wechat"]) == OWN_WECHAT
    assert served_link(client, images["alipay"]) == OWN_ALIPAY


def test_image_answer_headers_and_304(client, demo):
    src = tip_images(client.get(REFERENCE))["wechat"]

    response = client.get(src)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert etag.strip('"') in src

    again = client.get(src, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == response.headers["Cache-Control"]

    other = client.get(src, headers={"If-None-Match": '"0123"'})
    assert other.status_code == 200 and other.data == response.data


def test_the_svg_holds_shapes_only(client, demo):
    for src in tip_images(client.get(REFERENCE)).values():
        body = client.get(src).data
        assert not body.startswith(b"<?xml")
        root = ET.fromstring(body)
        tags = {element.tag.removeprefix(SVG_NS) for element in root.iter()}
        assert tags <= {"svg", "path"}
        assert all(not (e.text or "").strip() for e in root.iter())
        assert all(not (e.tail or "").strip() for e in root.iter())
        assert b"alipay" not in body and b"wxp" not in body
        attributes = {name for e in root.iter() for name in e.attrib}
        assert attributes <= {"viewBox", "shape-rendering", "fill", "stroke", "d"}


def test_qr_svg_is_level_m_with_a_quiet_zone(ctx):
    link = "https://qr.alipay.com/fkx12345abcde"
    code = segno.make(link, error="m", boost_error=False, micro=False)
    root = ET.fromstring(qr_svg(link))
    size = code.symbol_size(border=0)[0]
    assert root.get("viewBox") == f"0 0 {size + 8} {size + 8}"
    assert code.error == "M"
    image = rasterize_svg(qr_svg(link), scale=1)
    # The 4-module border is white all round.
    for x in range(image.width):
        for y in list(range(4)) + list(range(image.height - 4, image.height)):
            assert image.getpixel((x, y)) == 255
            assert image.getpixel((y, x)) == 255


@pytest.mark.parametrize(
    "path",
    ["/tip/" + "0" * 24 + ".svg", "/tip/abc.svg", "/tip/" + "g" * 24 + ".svg"],
    ids=["unknown", "short", "not-hex"],
)
def test_unknown_keys_are_404(client, demo, path):
    assert client.get(path).status_code == 404


def test_a_link_nobody_uses_has_no_image(client, demo):
    assert client.get(f"/tip/{qr_key('wxp://f2f0nobody')}.svg").status_code == 404


def test_a_changed_link_gets_a_new_url_and_the_old_one_goes(app, client, demo):
    old_src = tip_images(client.get(REFERENCE))["alipay"]
    assert client.get(old_src).status_code == 200  # now in this process's cache

    with app.app_context():
        set_setting("tipping.alipay", "https://qr.alipay.com/fkxChangedLink")
    new_src = tip_images(client.get(REFERENCE))["alipay"]

    assert new_src != old_src
    assert served_link(client, new_src) == "https://qr.alipay.com/fkxChangedLink"
    assert client.get(old_src).status_code == 404
    assert client.get(old_src, headers={"If-None-Match": "*"}).status_code == 404


def test_an_authors_old_link_goes_when_they_change_it(app, client, demo):
    with app.app_context():
        set_own_links("guanliyuan", wechat=OWN_WECHAT)
    old_src = tip_images(client.get(REFERENCE))["wechat"]
    assert client.get(old_src).status_code == 200

    with app.app_context():
        set_own_links("guanliyuan", wechat="wxp://f2f1NewOwnCode")

    assert client.get(old_src).status_code == 404
    assert served_link(client, tip_images(client.get(REFERENCE))["wechat"]) == (
        "wxp://f2f1NewOwnCode"
    )


def test_one_link_used_twice_is_one_url(app, client, demo):
    with app.app_context():
        set_own_links("guanliyuan", alipay=demo["alipay"])
    images = tip_images(client.get(REFERENCE))
    assert images["alipay"] == f"/tip/{qr_key(demo['alipay'])}.svg"


def test_the_demo_sets_links_once(app, demo):
    with app.app_context():
        set_setting("tipping.wechat", "")
        assert "and 0 setting(s) added" in seed_demo()
        assert get_setting("tipping.wechat") == ""
        assert get_setting("tipping.alipay") == demo["alipay"]


def test_the_demo_tip_box_without_a_wechat_link(app, client, demo):
    with app.app_context():
        set_setting("tipping.wechat", "")
    assert set(tip_images(client.get(REFERENCE))) == {"alipay"}
