"""The beacon: POST /tip/<public_id>/open counts one opened tip box. No CSRF
token (a reader's page may come from the cache), rate-limited per IP, and it
changes nothing but the counter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, ArticleStatus
from tests.tipping.support import switch_tip


def beacon(item) -> str:
    return f"/tip/{item.public_id}/open"


def stored(app, item) -> Article:
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.id == item.id))
        db.session.expunge(article)
        return article


def test_an_open_is_counted_and_nothing_else_changes(app, client, site_links, publish):
    item = publish()
    before = stored(app, item)

    first = client.post(beacon(item))
    second = client.post(beacon(item))

    assert first.status_code == second.status_code == 204
    assert first.data == b""
    after = stored(app, item)
    assert after.tip_opens == before.tip_opens + 2 == 2
    assert after.updated_at == before.updated_at
    assert after.view_count == before.view_count
    assert after.version == before.version


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": ArticleStatus.DRAFT},
        {"status": ArticleStatus.PENDING},
        {"published_at": datetime.now(UTC) + timedelta(days=1)},
    ],
    ids=["draft", "pending", "future"],
)
def test_an_article_readers_cannot_see_is_404(app, client, publish, hidden):
    item = publish(**hidden)
    assert client.post(beacon(item)).status_code == 404
    assert stored(app, item).tip_opens == 0


def test_an_unknown_article_is_404(client):
    assert client.post("/tip/AAAAAAAAAAAAAAAA/open").status_code == 404


def test_an_article_without_its_tip_box_is_404(app, client, site_links, publish):
    item = publish()
    with app.app_context():
        switch_tip(item.id, False)
    assert client.post(beacon(item)).status_code == 404
    assert stored(app, item).tip_opens == 0


def test_get_is_405(app, client, publish):
    item = publish()
    assert client.get(beacon(item)).status_code == 405
    assert stored(app, item).tip_opens == 0


@pytest.fixture
def app_config(app_config):
    app_config["TIP_BEACON_LIMIT"] = "3 per minute"
    return app_config


def test_over_the_rate_limit_is_429_per_ip(app, client, publish):
    item = publish()
    answers = [client.post(beacon(item)).status_code for _ in range(4)]
    other_ip = client.post(beacon(item), environ_base={"REMOTE_ADDR": "198.51.100.9"})

    assert answers == [204, 204, 204, 429]
    assert other_ip.status_code == 204
    assert stored(app, item).tip_opens == 4
