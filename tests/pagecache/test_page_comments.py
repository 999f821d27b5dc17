"""A change to a standalone page's comments drops that page's cached copy
(tag `page:<id>`, from CommentsChanged.page_ids), and only it."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from cms.extensions import db
from cms.models import Comment, Page, Role
from cms.services import moderation
from cms.services.page_edits import PageInput
from cms.services.pages import create_page
from cms.services.settings import set_setting
from tests.factories import make_comment, make_user
from tests.pagecache.conftest import cache_state

ORIGIN = "http://cms.test"


def _site(app) -> dict[str, int]:
    with app.app_context():
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.flood_seconds", "0")
        set_setting("comments.hold_first", "false")
        boss = make_user("boss", Role.ADMIN, password=None)
        board = create_page(
            PageInput("留言板", "欢迎留言。", "guestbook", allow_comments=True),
            boss, publish=True,
        )  # fmt: skip
        about = create_page(PageInput("关于我们", "正文", "about"), boss, publish=True)
        return {"board": board.id, "about": about.id}


def _warm(client, *paths: str) -> None:
    for path in paths:
        client.get(path)
        assert cache_state(client.get(path)) == "HIT", path


def test_a_comment_posted_from_the_cached_page_drops_it(app, client):
    _site(app)
    _warm(client, "/page/guestbook/", "/page/about/")
    cached = client.get("/page/guestbook/")
    assert cache_state(cached) == "HIT"
    form = BeautifulSoup(cached.get_data(as_text=True), "html.parser").select_one(
        "form#comment-form"
    )
    token = form.select_one("input[name=csrf_token]")["value"]

    # The cached copy's token is good for a post.
    answer = client.post(
        form["action"],
        data={"csrf_token": token, "parent_id": "", "author": "读者",
              "email": "reader@example.cn", "body": "留言板的第一条留言"},
        headers={"Origin": ORIGIN},
    )  # fmt: skip

    assert answer.status_code == 303
    fresh = client.get("/page/guestbook/")
    assert cache_state(fresh) == "MISS"
    html = fresh.get_data(as_text=True)
    assert "留言板的第一条留言" in html
    assert re.search(r'id="comments"[^>]*data-count="1"', html)
    assert cache_state(client.get("/page/about/")) == "HIT"


def test_moderating_a_page_comment_drops_the_page(app, client):
    ids = _site(app)
    with app.app_context():
        held = make_comment(
            db.session.get(Page, ids["board"]), body="等待审核的留言", status="pending"
        ).id
    _warm(client, "/page/guestbook/", "/page/about/")
    assert "等待审核的留言" not in client.get("/page/guestbook/").get_data(as_text=True)

    with app.app_context():
        moderation.apply_action([held], "approve", None)

    fresh = client.get("/page/guestbook/")
    assert cache_state(fresh) == "MISS"
    assert "等待审核的留言" in fresh.get_data(as_text=True)
    assert cache_state(client.get("/page/about/")) == "HIT"
    with app.app_context():
        assert db.session.get(Comment, held).status.value == "approved"
