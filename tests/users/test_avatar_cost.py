"""A hostile avatar costs a bounded amount of work: every account may upload
one, so its declared size is checked from the header (at most 4 megapixels)
before any pixel is decoded, and an accepted picture is decoded once. The
bound is asserted on what Pillow decoded (a pixel budget), not on a clock."""

from __future__ import annotations

import io

import pytest

from tests.crafted_images import png_16bit_rgb
from tests.users.support import account, field_error, parse

BUDGET = 4_000_000  # pixels an avatar may have (profiles.AVATAR_MAX_PIXELS)


@pytest.fixture
def me(client, login, contributor):
    """The client, logged in as a contributor (the least trusted account)."""
    assert login(contributor).status_code == 303
    return contributor


def post_avatar(client, username: str, picture: bytes):
    return client.post(
        "/moderation/profile",
        data={"display_name": username, "bio": "", "email": "", "tip_wechat": "",
              "tip_alipay": "", "avatar": (io.BytesIO(picture), "a.png")},
        content_type="multipart/form-data",
    )  # fmt: skip


def test_a_16_bit_4000_square_png_is_refused_undecoded(app, client, me, decoded_sizes):
    picture = png_16bit_rgb(4000, 4000)
    assert len(picture) < 100_000  # 96 MB of pixels in under 100 KB

    response = post_avatar(client, me, picture)

    assert response.status_code == 400
    assert field_error(parse(response), "avatar") == "图片尺寸太大：最多 400 万像素"
    assert decoded_sizes == []  # refused from the header alone
    assert account(app, me).avatar == ""


def test_a_16_bit_avatar_within_the_limit_is_decoded_once(
    app, client, me, decoded_sizes
):
    response = post_avatar(client, me, png_16bit_rgb(2000, 2000))

    assert response.status_code == 303
    assert account(app, me).avatar.endswith(".png")
    assert decoded_sizes == [(2000, 2000)]
    assert all(w * h <= BUDGET for w, h in decoded_sizes)
