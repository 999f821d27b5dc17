"""Threads on the article page: replies nested in their parent's element,
oldest first, comments.max_depth, pagination of top-level comments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.models import utcnow
from tests.comments.support import (
    article_path,
    comment_id_from,
    comment_items,
    parse,
    post_comment,
    read_form,
    reader,
    rows,
)
from tests.factories import make_comment


def _page(client, article, query: str = ""):
    response = client.get(article_path(article.public_id) + query)
    assert response.status_code == 200
    return parse(response)


def _item(page, comment):
    item = page.select_one(f"#comments li#comment-{comment.id}")
    assert item is not None, f"comment {comment.id} is not on the page"
    return item


def _holder(item):
    """The comment element whose reply list holds `item` (None at top level)."""
    return item.find_parent("li", id=lambda v: v and v.startswith("comment-"))


def _ids(items) -> list[int]:
    return [int(i["id"].removeprefix("comment-")) for i in items]


def test_no_comments_says_so(client, article):
    page = _page(client, article)

    section = page.select_one("#comments")
    assert comment_items(page) == []
    assert "暂无评论" in section.get_text()
    assert section["data-count"] == "0"


def test_replies_are_nested_inside_their_parent_oldest_first(app, client, article):
    start = utcnow() - timedelta(hours=1)
    with app.app_context():
        first = make_comment(article, created_at=start)
        second = make_comment(article, created_at=start + timedelta(minutes=1))
        reply_b = make_comment(
            article, parent=first, created_at=start + timedelta(minutes=3)
        )
        reply_a = make_comment(
            article, parent=first, created_at=start + timedelta(minutes=2)
        )
        nested = make_comment(
            article, parent=reply_a, created_at=start + timedelta(minutes=4)
        )

    page = _page(client, article)

    top = page.select("#comments ol.comment-list > li")
    assert _ids(top) == [first.id, second.id]
    first_item = _item(page, first)
    replies = first_item.select(":scope > ol.comment-replies > li")
    assert _ids(replies) == [reply_a.id, reply_b.id]  # oldest first
    assert _holder(_item(page, nested))["id"] == f"comment-{reply_a.id}"
    assert first_item.select_one(f"li#comment-{nested.id}") is not None
    assert _item(page, second).select("li") == []
    depths = {i["id"]: i["data-depth"] for i in comment_items(page)}
    assert depths == {
        f"comment-{first.id}": "1",
        f"comment-{second.id}": "1",
        f"comment-{reply_a.id}": "2",
        f"comment-{reply_b.id}": "2",
        f"comment-{nested.id}": "3",
    }
    assert "暂无评论" not in page.select_one("#comments").get_text()
    assert page.select_one("#comments")["data-count"] == "5"  # replies count


def test_max_depth_shows_deeper_replies_at_the_deepest_level(
    app, client, article, settings
):
    settings(comments__max_depth="2")
    with app.app_context():
        top = make_comment(article, author_name="甲")
        middle = make_comment(article, parent=top, author_name="乙")
        deep = make_comment(article, parent=middle, author_name="丙")
        deeper = make_comment(article, parent=deep, author_name="丁")

    page = _page(client, article)

    for comment, answered in ((deep, "乙"), (deeper, "丙")):
        item = _item(page, comment)
        assert item["data-depth"] == "2"
        assert _holder(item)["id"] == f"comment-{top.id}"  # nested in depth 1
        assert f"回复 @{answered}" in item.select_one(".comment-reply-to").get_text()
    assert _item(page, middle).select("li") == []
    assert _item(page, middle).select_one(".comment-reply-to") is None
    assert max(int(i["data-depth"]) for i in comment_items(page)) == 2


def test_max_depth_one_is_flat(app, client, article, settings):
    settings(comments__max_depth="1")
    with app.app_context():
        top = make_comment(article, author_name="甲")
        reply = make_comment(article, parent=top, author_name="乙")
        make_comment(article, parent=reply, author_name="丙")

    page = _page(client, article)

    items = comment_items(page)
    assert len(items) == 3
    assert all(_holder(i) is None for i in items)
    assert {i["data-depth"] for i in items} == {"1"}


def test_reply_through_the_form_is_stored_and_nested(app, client, article, settings):
    settings(comments__hold_first="false")
    with app.app_context():
        parent = make_comment(article, author_name="楼主")

    response = post_comment(
        client, article.public_id, parent_id=str(parent.id), **reader()
    )

    reply_id = comment_id_from(response, article.public_id)
    with app.app_context():
        stored = {r.id: r for r in rows()}
    assert stored[reply_id].parent_id == parent.id
    page = _page(client, article)
    assert _holder(page.select_one(f"li#comment-{reply_id}"))["id"] == (
        f"comment-{parent.id}"
    )


def test_reply_to_a_comment_of_another_article_is_top_level(
    app, client, article, publish, settings
):
    settings(comments__hold_first="false")
    other = publish()
    with app.app_context():
        foreign = make_comment(other)

    response = post_comment(
        client, article.public_id, parent_id=str(foreign.id), **reader()
    )

    reply_id = comment_id_from(response, article.public_id)
    with app.app_context():
        stored = {r.id: r for r in rows()}
    assert stored[reply_id].parent_id is None
    assert stored[reply_id].article_id == article.id
    page = _page(client, article)
    assert _holder(page.select_one(f"li#comment-{reply_id}")) is None


def test_reply_to_a_vanished_comment_is_top_level(app, client, article, settings):
    settings(comments__hold_first="false")

    response = post_comment(client, article.public_id, parent_id="424242", **reader())

    reply_id = comment_id_from(response, article.public_id)
    with app.app_context():
        (row,) = rows()
    assert (row.id, row.parent_id) == (reply_id, None)


def test_reply_to_a_comment_not_shown_is_top_level(app, client, article):
    with app.app_context():
        held = make_comment(article, status="pending")
        reply = make_comment(article, parent=held)

    page = _page(client, article)

    assert page.select_one(f"#comment-{held.id}") is None
    assert _holder(_item(page, reply)) is None


def test_reply_link_fills_parent_id_in_the_form(app, client, article):
    with app.app_context():
        parent = make_comment(article, author_name="楼主")

    page = _page(client, article)
    link = _item(page, parent).select_one("a.reply-link")
    assert link["data-reply-to"] == str(parent.id)
    href = link["href"]
    assert f"replytocom={parent.id}" in href

    _, fields = read_form(
        client, article.public_id, href[href.index("?") :].split("#")[0]
    )
    assert fields["parent_id"] == str(parent.id)
    replying = _page(client, article, f"?replytocom={parent.id}")
    assert "回复 楼主" in replying.select_one("#respond-title").get_text()
    assert not replying.select_one("#comment-form .cancel-reply").has_attr("hidden")


def test_replytocom_of_another_article_is_ignored(app, client, article, publish):
    other = publish()
    with app.app_context():
        foreign = make_comment(other)

    _, fields = read_form(client, article.public_id, f"?replytocom={foreign.id}")

    assert fields["parent_id"] == ""


@pytest.mark.parametrize("status", ["pending", "spam", "trash"])
def test_replytocom_does_not_reveal_a_comment_readers_cannot_see(
    app, client, article, status
):
    with app.app_context():
        hidden = make_comment(article, author_name="隐藏的人", status=status)

    _, fields = read_form(client, article.public_id, f"?replytocom={hidden.id}")
    page = _page(client, article, f"?replytocom={hidden.id}")

    assert fields["parent_id"] == ""
    assert "隐藏的人" not in page.get_text()


def test_more_than_50_top_level_comments_paginate(app, client, article):
    start = utcnow() - timedelta(days=1)
    with app.app_context():
        made = [
            make_comment(
                article, body=f"第 {n} 楼", created_at=start + timedelta(minutes=n)
            )
            for n in range(52)
        ]
        reply = make_comment(
            article, parent=made[0], created_at=start + timedelta(hours=5)
        )

    first = _page(client, article)
    second = _page(client, article, "?cpage=2")

    top_first = _ids(first.select("#comments ol.comment-list > li"))
    top_second = _ids(second.select("#comments ol.comment-list > li"))
    assert top_first == [c.id for c in made[:50]]
    assert top_second == [c.id for c in made[50:]]
    assert _holder(_item(first, reply))["id"] == f"comment-{made[0].id}"
    for page in (first, second):
        assert page.select_one("#comments")["data-count"] == "53"
    nav = first.select_one("#comments nav.pagination")
    assert "cpage=2" in nav.select_one("a")["href"]
    assert nav.select_one("[aria-current=page]").get_text() == "1"
    assert second.select_one("#comments nav [aria-current=page]").get_text() == "2"
    # Past the end: the last page.
    assert _ids(_page(client, article, "?cpage=9").select("ol.comment-list > li")) == (
        top_second
    )


def test_50_top_level_comments_do_not_paginate(app, client, article):
    with app.app_context():
        for _ in range(50):
            make_comment(article)

    page = _page(client, article)

    assert len(page.select("#comments ol.comment-list > li")) == 50
    assert page.select_one("#comments nav.pagination") is None


def test_replies_older_than_their_parent_do_not_break_the_page(
    app, client, article, settings
):
    """Imported threads can have a reply dated before its parent."""
    settings(comments__max_depth="1")
    start = utcnow() - timedelta(days=1)
    with app.app_context():
        parent = make_comment(article, created_at=start + timedelta(hours=3))
        early = make_comment(article, parent=parent, created_at=start)
        earlier_reply = make_comment(
            article, parent=early, created_at=start + timedelta(hours=1)
        )

    page = _page(client, article)

    assert {i["id"] for i in comment_items(page)} == {
        f"comment-{c.id}" for c in (parent, early, earlier_reply)
    }


def _shape(thread) -> list:
    """What a reader sees of a thread: each node's comment, depth, floor,
    badge, whom it answers, pin and replies, in order; and its paging."""

    def node(n):
        return (n.comment.id, n.depth, n.floor, n.badge, n.reply_to, n.pinned,
                [node(r) for r in n.replies])  # fmt: skip

    return [thread.page, thread.pages, thread.held, [node(n) for n in thread.nodes]]


@pytest.mark.parametrize("seed", range(12))
def test_a_small_thread_read_plainly_equals_the_recursive_query(
    app, article, publish, writer, monkeypatch, seed
):
    """An article whose comments fit on one page is read by a plain query
    (threads._small_thread_rows); what it shows must be exactly what the
    recursive query shows: replies to held, later-dated or other articles'
    comments, same-second times, pins, staff badges and every depth."""
    import random

    from cms.extensions import db
    from cms.models import Article
    from cms.services import threads

    rng = random.Random(seed)
    start = utcnow() - timedelta(days=2)
    with app.app_context():
        other = make_comment(publish(title="另一篇"))
        made: list = []
        for _ in range(rng.randint(1, 30)):
            parent = rng.choice([None, None, other, *made]) if made else None
            pinned = start + timedelta(hours=rng.randint(1, 9))
            made.append(
                make_comment(
                    article,
                    parent=parent,
                    status=rng.choice(["approved"] * 5 + ["pending", "spam"]),
                    # Few distinct times: same-second comments and replies
                    # dated before their parent.
                    created_at=start + timedelta(minutes=rng.randint(0, 12)),
                    pinned_at=pinned if rng.random() < 0.15 else None,
                    user_id=writer.id if rng.random() < 0.2 else None,
                )
            )
        for depth in (1, 2, 3, 5):
            subject = db.session.get(Article, article.id)
            assert subject.comment_count <= threads.TOP_LEVEL_PER_PAGE
            plain = threads.comment_thread(subject, depth, page=rng.randint(1, 3))
            with monkeypatch.context() as patch:
                patch.setattr(threads, "_small_thread_rows", lambda _subject: None)
                recursive = threads.comment_thread(subject, depth, page=1)
            assert _shape(plain) == _shape(recursive)
            assert plain.nodes or not subject.comment_count


def test_a_kept_count_behind_the_comments_still_pages_them(app, client, article):
    """The plain read trusts the kept count only as far as its LIMIT: an
    article with more comments than the count says is paged by the
    recursive query."""
    from sqlalchemy import update

    from cms.database import write_transaction
    from cms.extensions import db
    from cms.models import Article

    start = utcnow() - timedelta(days=1)
    with app.app_context():
        made = [
            make_comment(article, created_at=start + timedelta(minutes=n))
            for n in range(53)
        ]
        with write_transaction():
            db.session.execute(
                update(Article).where(Article.id == article.id).values(comment_count=3)
            )

    first = _page(client, article)

    assert _ids(first.select("#comments ol.comment-list > li")) == [
        c.id for c in made[:50]
    ]
    assert first.select_one("#comments nav.pagination") is not None


def test_a_small_thread_is_read_anew_each_time(app, article):
    """Nothing of a thread is kept between reads, even of one Article object:
    a comment added since shows on the next read."""
    from cms.extensions import db
    from cms.models import Article
    from cms.services import threads

    with app.app_context():
        first = make_comment(article)
        subject = db.session.get(Article, article.id)
        before = threads.comment_thread(subject, 3)
        second = make_comment(article)
        db.session.refresh(subject)  # its kept count moved
        after = threads.comment_thread(subject, 3)

    assert [n.comment.id for n in before.nodes] == [first.id]
    assert [n.comment.id for n in after.nodes] == [first.id, second.id]
