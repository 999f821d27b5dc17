"""With CSRF protection on (as in production), the beacon still needs no
token, while other POSTs still do."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_the_beacon_needs_no_token(app, client, site_links, publish):
    item = publish()
    assert client.post(f"/tip/{item.public_id}/open").status_code == 204


def test_other_posts_still_need_one(client):
    assert client.post("/auth/logout").status_code == 400
