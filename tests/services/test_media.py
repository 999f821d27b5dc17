"""cms.services.media: uploads are checked images, stored by content, served
for a year."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from cms.services.errors import InvalidInput, NotFound
from cms.services.media import load_image, media_file, media_root, store_image


def png_bytes(size=(8, 8), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def noisy_png() -> bytes:
    """A PNG that does not compress to nothing, so cutting it loses pixels."""
    out = io.BytesIO()
    noise = bytes((i * 7919 + (i >> 3) * 104729) % 251 for i in range(64 * 64))
    Image.frombytes("L", (64, 64), noise).save(out, "PNG")
    return out.getvalue()


def bomb_png(width: int = 40_000, height: int = 40_000) -> bytes:
    """A tiny PNG whose header claims a huge image (IHDR patched, CRC fixed)."""
    data = bytearray(png_bytes((1, 1)))
    ihdr = 8 + 8  # signature, then length + type of the first chunk
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


@pytest.fixture
def media_app(app, tmp_path):
    app.config["MEDIA_URL"] = f"file://{tmp_path / 'media'}"
    with app.app_context():
        yield app


def test_an_image_is_stored_under_a_key_made_from_its_bytes(media_app):
    data = png_bytes()

    key = store_image(data)

    assert key.endswith(".png")
    assert media_file(key).read_bytes() == data
    assert store_image(data) == key  # same bytes, same key, one file
    assert len(list(media_root().rglob("*.png"))) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "请选择"),
        (b"hello, not an image", "不是可识别的图片"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "不是可识别的图片"),
        (noisy_png()[:200], "损坏"),
    ],
)
def test_what_is_not_a_usable_image_is_refused_and_nothing_stored(
    media_app, data, message
):
    with pytest.raises(InvalidInput, match=message):
        store_image(data)

    assert not media_root().exists() or not any(media_root().rglob("*.*"))


def test_a_file_over_the_size_limit_is_refused(media_app):
    with pytest.raises(InvalidInput, match="2 MB"):
        store_image(b"\x89PNG" + b"0" * (2 * 1024 * 1024))


def test_a_decompression_bomb_is_refused_before_decoding(media_app):
    with pytest.raises(InvalidInput):
        load_image(bomb_png())


def test_formats_can_be_narrowed(media_app):
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    with pytest.raises(InvalidInput, match="PNG、JPEG"):
        load_image(out.getvalue(), formats=("PNG", "JPEG"))


@pytest.mark.parametrize(
    "key", ["../config.py", "ab/../../x.png", "zz/" + "0" * 32 + ".png", ""]
)
def test_malformed_or_unknown_keys_are_not_found(media_app, key):
    with pytest.raises(NotFound):
        media_file(key)


def test_the_media_route_serves_with_long_caching(media_app):
    key = store_image(png_bytes())
    client = media_app.test_client()

    response = client.get(f"/media/{key}")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/media/ab/" + "0" * 32 + ".png").status_code == 404
    assert client.get("/media/../../etc/passwd").status_code == 404
