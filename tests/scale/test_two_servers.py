"""The production shape, two app servers: two gunicorn processes on two
ports, one PostgreSQL, one Redis (TEST_DATABASE_URL, and a redis-server of
the test's own so no other test shares its keys). What one server does, the
other sees at once: an approved comment is on the other's cached page at the
next request, the comment flood limit holds across both, and the views taken
by both add up exactly."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from bs4 import BeautifulSoup

from cms import create_app
from cms.extensions import db
from cms.models import Article, Comment, CommentStatus, Role
from cms.services.settings import set_setting
from cms.services.views import flush_views
from tests.comments.support import form_inputs
from tests.conftest import TEST_DATABASE_URL, create_database, drop_database
from tests.factories import make_article, make_user
from tests.ratelimits.support import Browser, Gunicorn, RedisServer

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set"),
]

SECRET = "two-servers-test-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"
MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")
VIEWS_EACH = 150


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(redis_server):
    """A migrated PostgreSQL database: an editor, an article open for
    comments (flood limit 60 s, the too-fast rule off, comments held first),
    and an article that only takes views."""
    from flask_migrate import upgrade

    url = create_database(TEST_DATABASE_URL, "cms_two_servers")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_server.url})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.flood_seconds", "60")
        set_setting("comments.hold_first", "1")
        make_user(username="editor2", password=PASSWORD, role=Role.EDITOR)
        owner = make_user(password=None)
        talked = make_article(owner=owner, title="两台服务器的评论")
        viewed = make_article(owner=owner, title="两台服务器的阅读数")
        ids = {"talked": talked.public_id, "viewed": viewed.public_id,
               "viewed_id": viewed.id, "talked_id": talked.id}  # fmt: skip
        db.session.remove()
        db.engine.dispose()
    yield app, url, ids
    drop_database(TEST_DATABASE_URL, url)


@pytest.fixture(scope="module")
def servers(site, redis_server, tmp_path_factory):
    _, url, _ = site
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS"))}
    env |= {
        "DATABASE_URL": url,
        "REDIS_URL": redis_server.url,
        "SECRET_KEY": SECRET,
        "CMS_CONFIG": "production",
        "TRUSTED_PROXIES": "1",
    }
    logs = tmp_path_factory.mktemp("two-servers")
    pair = [
        Gunicorn(2, env, logs / f"access-{n}.log", max_requests=None).start()
        for n in (1, 2)
    ]
    yield pair
    for server in pair:
        server.stop()


def page(server, public_id: str) -> tuple[str, BeautifulSoup]:
    status, headers, html = Browser(server.port).request("GET", f"/{public_id}.html")
    assert status == 200
    return headers.get("X-Cache", ""), BeautifulSoup(html, "html.parser")


def post_comment(server, public_id: str, address: str, body: str) -> int:
    reader = Browser(server.port, forwarded_for=address)
    _, _, html = reader.request("GET", f"/{public_id}.html")
    form = BeautifulSoup(html, "html.parser").select_one("form#comment-form")
    fields = form_inputs(form) | {
        "author": "读者", "email": "reader@example.cn", "body": body,
    }  # fmt: skip
    status, _, _ = reader.request(
        "POST", f"/comments/{public_id}", fields, headers={"Origin": server.origin}
    )
    return status


def approve_all(server, app) -> None:
    """Log in as the editor on `server` and approve every held comment
    through the moderation queue's bulk form."""
    editor = Browser(server.port)
    _, _, html = editor.request("GET", "/auth/login")
    login = BeautifulSoup(html, "html.parser").select_one("form[method=post]")
    fields = form_inputs(login) | {"username": "editor2", "password": PASSWORD}
    status, _, _ = editor.request("POST", "/auth/login", fields)
    assert status in (302, 303)
    with app.app_context():
        held = db.session.scalars(
            db.select(Comment.id).where(Comment.status == CommentStatus.PENDING)
        ).all()
        db.session.remove()
    assert held
    _, _, html = editor.request("GET", "/moderation/comments")
    csrf = BeautifulSoup(html, "html.parser").select_one("input[name=csrf_token]")
    form = [("csrf_token", csrf["value"]), ("action", "approve")]
    form += [("ids", str(i)) for i in held]
    status, _, _ = editor.request(
        "POST", "/moderation/comments", form, headers={"Origin": server.origin}
    )
    assert status == 303


def test_a_comment_approved_through_one_server_is_on_the_others_cached_page(
    site, servers
):
    app, _, ids = site
    one, two = servers
    public_id = ids["talked"]
    page(two, public_id)
    state, _ = page(two, public_id)
    assert state == "HIT"  # the page is in the shared cache
    assert post_comment(one, public_id, "198.51.100.7", "第一台服务器上的评论") == 303
    approve_all(one, app)
    state, soup = page(two, public_id)
    assert state == "MISS"
    assert "第一台服务器上的评论" in soup.get_text()


def test_the_comment_flood_limit_holds_across_both_servers(site, servers):
    _, _, ids = site
    one, two = servers
    address = "203.0.113.9"
    assert post_comment(one, ids["talked"], address, "先在一号服务器说一句") == 303
    assert post_comment(two, ids["talked"], address, "马上又在二号服务器说一句") == 429


def test_views_taken_by_both_servers_add_up_exactly(site, servers):
    app, _, ids = site
    path = f"/{ids['viewed']}.html"

    def view(server) -> int:
        status, _, _ = Browser(server.port).request("GET", path)
        return status

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(view, [s for s in servers for _ in range(VIEWS_EACH)]))
    assert statuses == [200] * (2 * VIEWS_EACH)
    for server in servers:
        server.stop()  # graceful: each worker writes what it buffered
    with app.app_context():
        flush_views()  # and whatever Redis still holds
        assert db.session.get(Article, ids["viewed_id"]).view_count == 2 * VIEWS_EACH
        db.session.remove()
