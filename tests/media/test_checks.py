"""Uploads are checked by content: every hostile or broken file is refused
with a message for people and nothing stored; accepted images are cleaned
(orientation applied, EXIF with its GPS position gone) before storing."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from cms.services.errors import InvalidInput, NotFound
from cms.services.media import load_image, media_file, store_image
from tests.media import crafted
from tests.media.conftest import stored_files


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "请选择"),
        (b"hello, not an image", "不是可识别的图片"),
        (crafted.HTML_AS_PNG, "网页或文本文件"),
        (crafted.SVG_AS_PNG, "不接受 SVG"),
        (crafted.SVG_NO_PROLOGUE, "不接受 SVG"),
        (crafted.png_then_html(), "夹带"),
        (crafted.gif_then_zip(), "夹带"),
        (crafted.jpeg_with_script_comment(), "夹带"),
        (crafted.truncated_jpeg(), "损坏"),
        (crafted.truncated_png(), "损坏"),
        (crafted.bomb_png(), "万像素"),
    ],
    ids=["empty", "text", "html", "svg", "svg-bare", "png+html", "gifar",
         "jpeg-comment-script", "truncated-jpeg", "truncated-png", "bomb-header"],
)  # fmt: skip
def test_what_is_not_a_safe_image_is_refused_and_nothing_stored(
    media_app, media_dir, data, message
):
    with pytest.raises(InvalidInput, match=message):
        store_image(data)

    assert stored_files(media_dir) == []


def test_a_real_decompression_bomb_is_refused_before_any_pixel_is_decoded(
    media_app, media_dir, decoded_sizes
):
    bomb = crafted.real_bomb_png(8000)  # 64 MP of zeros in ~60 KB
    assert len(bomb) < 100_000

    with pytest.raises(InvalidInput, match="万像素"):
        store_image(bomb)

    assert decoded_sizes == []
    assert stored_files(media_dir) == []


def test_a_file_over_the_size_limit_is_refused(media_app):
    with pytest.raises(InvalidInput, match="2 MB"):
        store_image(b"\x89PNG" + b"0" * (2 * 1024 * 1024))


def test_formats_can_be_narrowed(media_app):
    with pytest.raises(InvalidInput, match="PNG、JPEG"):
        load_image(crafted.plain((4, 4), "GIF"), formats=("PNG", "JPEG"))


def test_gps_is_removed_and_the_orientation_applied(media_app, media_dir):
    upload = crafted.photo_with_gps(orientation=6, size=(60, 40))
    assert crafted.gps_of(upload)  # the crafted file does carry a position

    key = store_image(upload)

    stored = (media_dir / key).read_bytes()
    assert key.endswith(".jpg")
    assert crafted.gps_of(stored) == {}
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()  # no EXIF at all: no maker, no orientation
        assert b"CrafterCam" not in stored
        # Turned 90° clockwise: 40 wide, 60 high; the red left half is on top.
        assert image.size == (40, 60)
        rgb = image.convert("RGB")
        top, bottom = rgb.getpixel((20, 5)), rgb.getpixel((20, 55))
    assert top[0] > 150 and top[2] < 100
    assert bottom[2] > 150 and bottom[0] < 100


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_exif_is_removed_from_png_and_webp_too(media_app, media_dir, fmt):
    upload = crafted.photo_with_gps(orientation=3, fmt=fmt)
    assert crafted.gps_of(upload)

    key = store_image(upload)

    stored = (media_dir / key).read_bytes()
    assert crafted.gps_of(stored) == {}
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        assert image.size == (60, 40)
        # Orientation 3: turned half a turn, red is now on the right.
        assert image.convert("RGB").getpixel((55, 20))[0] > 150


def test_the_same_image_is_stored_once(media_app, media_dir):
    upload = crafted.photo_with_gps()

    first, second = store_image(upload), store_image(upload)

    assert first == second
    assert stored_files(media_dir) == [first]


@pytest.mark.parametrize(
    "key", ["../config.py", "ab/../../x.png", "zz/" + "0" * 32 + ".png", ""]
)
def test_malformed_or_unknown_keys_are_not_found(media_app, key):
    with pytest.raises(NotFound):
        media_file(key)


def test_the_media_route_serves_with_safe_headers(media_app):
    key = store_image(crafted.plain())
    client = media_app.test_client()

    response = client.get(f"/media/{key}")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp
    assert client.get("/media/ab/" + "0" * 32 + ".png").status_code == 404
    assert client.get("/media/../../etc/passwd").status_code == 404
