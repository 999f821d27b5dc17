"""The tip box on the article page: whose links it shows, when it is absent,
and its markup (a <details> that works without JavaScript)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from cms.extensions import db
from cms.services.settings import set_setting
from cms.services.tipping import qr_key
from tests.tipping.conftest import (
    OWN_ALIPAY,
    OWN_WECHAT,
    SITE_ALIPAY,
    SITE_WECHAT,
    parse,
    tip_images,
)
from tests.tipping.support import set_own_links, switch_tip


def url(item) -> str:
    return f"/{item.public_id}.html"


def src(link: str) -> str:
    return f"/tip/{qr_key(link)}.svg"


def test_site_defaults_without_own_links(client, site_links, publish):
    item = publish()
    assert tip_images(client.get(url(item))) == {
        "wechat": src(SITE_WECHAT),
        "alipay": src(SITE_ALIPAY),
    }


@pytest.mark.parametrize(
    ("own", "expected"),
    [
        ({"wechat": OWN_WECHAT, "alipay": OWN_ALIPAY},
         {"wechat": OWN_WECHAT, "alipay": OWN_ALIPAY}),
        ({"wechat": OWN_WECHAT}, {"wechat": OWN_WECHAT, "alipay": SITE_ALIPAY}),
        ({"alipay": OWN_ALIPAY}, {"wechat": SITE_WECHAT, "alipay": OWN_ALIPAY}),
    ],
    ids=["both-own", "own-wechat", "own-alipay"],
)  # fmt: skip
def test_an_authors_own_link_overrides_per_kind(
    app, client, site_links, publish, writer, own, expected
):
    with app.app_context():
        set_own_links(writer.username, **own)
    item = publish()

    images = tip_images(client.get(url(item)))

    assert images == {kind: src(link) for kind, link in expected.items()}


def test_own_links_only_apply_to_the_authors_articles(app, client, site_links, publish):
    from tests.factories import make_user

    with app.app_context():
        other = make_user(username="other", password=None)
        set_own_links("other", wechat=OWN_WECHAT, alipay=OWN_ALIPAY)
    mine, theirs = publish(), publish(owner=other)

    assert tip_images(client.get(url(mine)))["wechat"] == src(SITE_WECHAT)
    assert tip_images(client.get(url(theirs)))["wechat"] == src(OWN_WECHAT)


def test_own_links_work_without_site_defaults(app, client, publish, writer):
    with app.app_context():
        set_own_links(writer.username, alipay=OWN_ALIPAY)
    item = publish()
    assert tip_images(client.get(url(item))) == {"alipay": src(OWN_ALIPAY)}


@pytest.mark.parametrize(
    "stored", ["javascript:alert(1)", f" {OWN_WECHAT} ", "http://pay.example.cn/x"]
)
def test_a_stored_link_failing_the_rules_is_ignored(
    app, client, site_links, publish, writer, stored
):
    """Links the profile page refuses, stored some other way: the site's
    default shows instead, and no image is served for them."""
    with app.app_context():
        set_own_links(writer.username, wechat=stored)
    item = publish()

    response = client.get(url(item))

    assert stored.strip() not in response.get_data(as_text=True)
    assert tip_images(response)["wechat"] == src(SITE_WECHAT)
    assert client.get(src(stored.strip())).status_code == 404


def test_switched_off_article_has_no_tip_box(app, client, site_links, publish):
    item = publish()
    with app.app_context():
        switch_tip(item.id, False)

    soup = parse(client.get(url(item)))

    assert soup.select_one("#tip") is None
    assert soup.select_one("script[src*='tip.js']") is None
    assert soup.select_one(".post-nav") is not None


def test_no_links_at_all_no_tip_box(client, publish):
    soup = parse(client.get(url(publish())))
    assert soup.select_one("#tip") is None
    assert soup.select_one("img[data-pay]") is None


@pytest.mark.parametrize("kind", ["wechat", "alipay"])
def test_one_link_shows_one_code(app, client, publish, kind):
    link = SITE_WECHAT if kind == "wechat" else SITE_ALIPAY
    with app.app_context():
        set_setting(f"tipping.{kind}", link)

    soup = parse(client.get(url(publish())))

    images = soup.select("#tip img")
    assert [img["data-pay"] for img in images] == [kind]
    caption = images[0].find_parent("figure").figcaption.get_text(strip=True)
    assert caption == ("微信扫一扫" if kind == "wechat" else "支付宝扫一扫")


def test_the_box_markup(client, site_links, publish):
    item = publish()
    soup = parse(client.get(url(item)))
    tip = soup.select_one("section#tip")

    details = tip.select_one("details")
    assert details is not None and not details.has_attr("open")
    assert details.select_one("summary").get_text(strip=True) == "打赏"
    # Both images are inside the <details>: with no script at all, opening it
    # (click, Enter or Space on the summary) shows them.
    assert {img["data-pay"] for img in details.select("img")} == {"wechat", "alipay"}
    for img in details.select("img"):
        assert img["alt"] in ("微信收款码", "支付宝收款码")
        assert img["width"] == img["height"]
        assert img["src"].endswith(".svg")
    captions = [f.get_text(strip=True) for f in details.select("figcaption")]
    assert captions == ["微信扫一扫", "支付宝扫一扫"]
    assert tip.select_one(".tip-author").get_text(strip=True) == "打赏作者：王小明"
    assert tip["data-beacon"] == f"/tip/{item.public_id}/open"
    # Where INTERFACE.md and the reference page put it.
    assert tip.find_previous_sibling("article") is not None
    assert tip.find_next_sibling("nav")["class"] == ["post-nav"]
    script = soup.select_one("script[src$='js/tip.js']")
    assert script.has_attr("defer") and not script.has_attr("nonce")  # page cache


def test_an_alipay_web_link_is_also_a_plain_link(client, site_links, publish):
    link = parse(client.get(url(publish()))).select_one("#tip a.tip-open-app")
    assert link["href"] == SITE_ALIPAY
    assert link.get_text(strip=True) == "在支付宝中打开"
    assert "noopener" in link["rel"]


def test_an_alipay_app_link_gets_no_plain_link(app, client, publish, writer):
    with app.app_context():
        set_own_links(writer.username, alipay=OWN_ALIPAY)
    soup = parse(client.get(url(publish())))
    assert soup.select_one("#tip img[data-pay=alipay]") is not None
    assert soup.select_one("#tip a.tip-open-app") is None


def test_the_authors_name_is_escaped(app, client, site_links):
    from tests.factories import make_article, make_user

    with app.app_context():
        owner = make_user(username="xss", display_name="<b>坏人</b>", password=None)
        item = make_article(owner=owner)
    response = client.get(url(item))
    assert "<b>坏人</b>" not in response.get_data(as_text=True)
    author = parse(response).select_one(".tip-author")
    assert author.get_text(strip=True) == "打赏作者：<b>坏人</b>"


def _count_queries(app, client, path: str) -> int:
    seen = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_box_costs_the_page_no_query(app, client, site_links, publish):
    with_box, without_box = publish(), publish()
    with app.app_context():
        switch_tip(without_box.id, False)
    _count_queries(app, client, url(with_box))  # warm-up

    assert _count_queries(app, client, url(with_box)) == _count_queries(
        app, client, url(without_box)
    )
