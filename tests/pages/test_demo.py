"""seed_demo_pages(): the demo's pages, header menu and friend links, once."""

from __future__ import annotations

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import AuditEntry, MenuItem, Page, PageStatus
from cms.services.demo import seed_demo
from cms.services.demo_pages import seed_demo_pages
from cms.services.menus import menu_links
from tests.factories import make_user
from tests.pages.conftest import parse


def test_the_demo_pages_and_menus_are_added_once(app, client):
    with app.app_context():
        first = seed_demo()
        pages = {p.slug: p for p in db.session.scalars(select(Page))}
        assert set(pages) == {"about", "contact", "privacy", "guestbook"}
        assert {p.title for p in pages.values()} == {
            "关于我们",
            "联系我们",
            "隐私政策",
            "留言板",
        }
        assert [p.allow_comments for p in pages.values()].count(True) == 1
        assert pages["guestbook"].allow_comments
        assert all(p.status == PageStatus.PUBLISHED for p in pages.values())
        assert {p.owner.username for p in pages.values()} == {"guanliyuan"}
        assert "@example.com" in pages["contact"].body_markdown
        privacy = pages["privacy"].body_markdown
        assert "评论" in privacy and "Cookie" in privacy and "打赏" in privacy
        header = menu_links("header")
        friends = menu_links("friends")
        items = db.session.scalar(select(func.count(MenuItem.id)))
        entries = db.session.scalar(select(func.count(AuditEntry.id)))

        owner = pages["about"].owner
        second = seed_demo_pages(owner)

        assert second == "demo: 0 page(s) and 0 menu link(s) added"
        assert "; 4 page(s)" in first
        assert db.session.scalar(select(func.count(Page.id))) == 4
        assert db.session.scalar(select(func.count(MenuItem.id))) == items
        assert db.session.scalar(select(func.count(AuditEntry.id))) == entries

    assert 2 <= len(header) <= 6
    assert header[-1].label == "关于我们" and header[-1].url == "/page/about/"
    assert all(link.url.startswith("/category/") for link in header[:-1])
    assert 2 <= len(friends) <= 3
    assert all(link.external and "example." in link.url for link in friends)
    soup = parse(client.get("/page/privacy/"))
    assert soup.select_one("h1").get_text() == "隐私政策"
    assert len(soup.select("nav.site-menu a")) == len(header)
    for link in header:
        assert client.get(link.url).status_code == 200, link.url


def test_the_demo_pages_work_on_an_empty_site(app):
    with app.app_context():
        owner = make_user(username="guanliyuan", password=None)
        assert seed_demo_pages(owner) == "demo: 4 page(s) and 4 menu link(s) added"
        assert [link.label for link in menu_links("header")] == ["关于我们"]
