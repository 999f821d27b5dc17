"""What a commenter meets besides storage: a rejected comment's answer leads
back to the form (summary, autofocus, the anchor), remembered fields never
overwrite returned ones, the held notice is a sentence with an honest count,
staff badges, 楼层 numbers stable under paging, and pinned comments."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cms.extensions import db
from cms.models import AuditEntry, Comment, Role, utcnow
from cms.public.comment_cookies import COMMENTER_COOKIE
from cms.services.commenters import pin_comment
from cms.services.errors import InvalidInput
from cms.services.threads import TOP_LEVEL_PER_PAGE
from tests.comments.support import (
    article_path,
    comment_id_from,
    log_in,
    parse,
    post_comment,
    reader,
    textarea_value,
)
from tests.factories import make_comment, make_user

ANSWER = "comment-form-answer"


def _summary(page):
    return page.select_one("#respond #comment-errors")


def test_invalid_comment_answer_leads_to_the_form_with_a_summary_and_focus(
    client, article
):
    response = post_comment(
        client, article.public_id, **reader(author="", email="不是邮箱")
    )

    assert response.status_code == 400
    page = parse(response)
    form = page.select_one("form#comment-form")
    # The action's fragment brings the answer back to the form, and names no
    # element: a fragment that does turns autofocus off in browsers.
    assert form["action"].endswith("#" + ANSWER)
    assert page.find(id=ANSWER) is None
    summary = _summary(page)
    assert summary["role"] == "alert"
    links = [(a["href"], a.get_text()) for a in summary.select("a")]
    assert links == [("#author", "昵称：请填写昵称"),
                     ("#email", "邮箱（不会公开）：邮箱格式不正确")]  # fmt: skip
    # The summary sits above the form; focus on the first field in error only.
    assert summary.find_next("form") is form
    assert [el["id"] for el in page.select("[autofocus]")] == ["author"]
    assert textarea_value(form.select_one("textarea[name=body]")) == reader()["body"]
    assert "你写的内容还在下面的输入框里" in summary.get_text()


def test_first_field_in_error_takes_the_focus_in_form_order(client, article):
    response = post_comment(client, article.public_id, **reader(body="短"))

    page = parse(response)
    assert [el["id"] for el in page.select("[autofocus]")] == ["body"]
    assert page.select_one("#body")["aria-invalid"] == "true"


def test_flood_and_duplicate_answers_focus_the_summary(app, client, article, settings):
    settings(comments__hold_first="false")
    assert post_comment(client, article.public_id, **reader(1)).status_code == 303
    duplicate = post_comment(client, article.public_id, **reader(1))
    settings(comments__flood_seconds="60")
    post_comment(client, article.public_id, ip="198.51.100.9", **reader(2))
    flood = post_comment(client, article.public_id, ip="198.51.100.9", **reader(3))

    for response, status, message in ((duplicate, 409, "已经发表过"),
                                      (flood, 429, "秒后再发表评论")):  # fmt: skip
        assert response.status_code == status
        page = parse(response)
        summary = _summary(page)
        assert message in summary.get_text()
        assert [el["id"] for el in page.select("[autofocus]")] == ["comment-errors"]
        assert summary["tabindex"] == "-1"


def test_a_good_page_has_no_summary_and_no_autofocus(client, article):
    page = parse(client.get(article_path(article.public_id)))

    assert _summary(page) is None
    assert page.select("[autofocus]") == []


def test_a_rejected_reply_still_says_whom_it_answers(app, client, article):
    with app.app_context():
        parent = make_comment(article, author_name="老王")

    response = post_comment(
        client, article.public_id, parent_id=str(parent.id), **reader(author="")
    )

    page = parse(response)
    assert response.status_code == 400
    assert "回复 老王" in page.select_one("#respond-title").get_text()
    assert page.select_one("#parent_id")["value"] == str(parent.id)
    assert not page.select_one(".cancel-reply").has_attr("hidden")


def test_remembered_fields_never_overwrite_the_returned_ones(client, article):
    first = post_comment(client, article.public_id, remember="y", **reader())
    assert first.status_code == 303
    assert client.get_cookie(COMMENTER_COOKIE) is not None
    # A fresh page is filled in from the cookie …
    fresh = parse(client.get(article_path(article.public_id)))
    assert fresh.select_one("#author")["value"] == reader()["author"]

    # … but an answer carries back exactly what was sent.
    response = post_comment(
        client, article.public_id,
        **reader(2, author="", email="new@example.cn", body="新的评论内容"),
    )  # fmt: skip

    page = parse(response)
    assert response.status_code == 400
    assert page.select_one("#author")["value"] == ""
    assert page.select_one("#email")["value"] == "new@example.cn"
    assert page.select_one("#author-error").get_text() == "请填写昵称"


def test_held_comment_says_so_in_a_sentence_and_the_count_is_honest(
    app, client, article
):
    with app.app_context():
        make_comment(article)
    response = post_comment(client, article.public_id, **reader())
    mine = comment_id_from(response, article.public_id)

    page = parse(client.get(article_path(article.public_id)))

    item = page.select_one(f"#comment-{mine}")
    assert item.select_one(".held-mark").get_text() == "待审核"
    assert (
        "正在等待审核，通过后其他读者才能看到"
        in item.select_one(".held-note").get_text()
    )
    title = page.select_one("#comments-title").get_text()
    assert title == "评论列表（2 条，其中 1 条是你的、正在等待审核）"
    assert page.select_one("#comments")["data-count"] == "1"  # INTERFACE.md
    # Others see the approved count only.
    other = parse(app.test_client().get(article_path(article.public_id)))
    assert other.select_one("#comments-title").get_text() == "评论列表（1 条）"
    assert other.select_one(".held-note") is None


def test_staff_comments_carry_a_badge_readers_cannot_claim(
    app, client, article, writer
):
    with app.app_context():
        boss = make_user(username="boss", role=Role.ADMIN)
        editor = make_user(username="ed", role=Role.EDITOR)
        by_owner = make_comment(article, author_name="作者本人", user_id=writer.id)
        by_admin = make_comment(article, author_name="站长", user_id=boss.id)
        by_editor = make_comment(article, author_name="编辑", user_id=editor.id)
        by_reader = make_comment(article, author_name="站长")  # a name only

    page = parse(client.get(article_path(article.public_id)))

    def badge(comment):
        element = page.select_one(f"#comment-{comment.id} .staff-badge")
        return element.get_text() if element else None

    assert badge(by_owner) == "作者"
    assert badge(by_admin) == "博主"
    assert badge(by_editor) == "编辑"
    assert badge(by_reader) is None


def test_a_comment_posted_while_logged_in_gets_the_badge(app, client, article):
    with app.app_context():
        make_user(username="boss", role=Role.ADMIN)
    log_in(client, "boss")

    response = post_comment(client, article.public_id, **reader())

    comment_id = comment_id_from(response, article.public_id)
    page = parse(client.get(article_path(article.public_id)))
    assert page.select_one(f"#comment-{comment_id} .staff-badge").get_text() == "博主"


def _floors(page):
    return {
        int(li["id"].removeprefix("comment-")): int(li["data-floor"])
        for li in page.select("ol.comment-list > li.comment")
        if li.has_attr("data-floor")
    }


def test_floor_numbers_are_stable_under_paging_and_pins(app, client, article):
    count = TOP_LEVEL_PER_PAGE + 3
    start = utcnow() - timedelta(hours=2)
    with app.app_context():
        ids = [
            make_comment(article, created_at=start + timedelta(minutes=i)).id
            for i in range(count)
        ]
        make_comment(
            article,
            parent=db.session.get(Comment, ids[0]),
            created_at=start + timedelta(minutes=90),
        )  # fmt: skip  (a reply has no floor)
    path = article_path(article.public_id)

    first = _floors(parse(client.get(path)))
    second = _floors(parse(client.get(path + "?cpage=2")))

    assert first == {ids[i]: i + 1 for i in range(TOP_LEVEL_PER_PAGE)}
    assert second == {ids[i]: i + 1 for i in range(TOP_LEVEL_PER_PAGE, count)}
    label = parse(client.get(path)).select_one(f"#comment-{ids[0]} .comment-floor")
    assert label.get_text() == "#1 楼"

    # Pinning the last one brings it to the top of page 1, with its own floor.
    with app.app_context():
        pin_comment(ids[-1], True, None)
    page = parse(client.get(path))
    top = page.select_one("ol.comment-list > li.comment")
    assert top["id"] == f"comment-{ids[-1]}"
    assert top["data-floor"] == str(count)
    assert "comment-pinned" in top["class"]
    assert top.select_one(".pinned-mark").get_text() == "置顶"
    floors = _floors(page)
    assert floors[ids[0]] == 1
    assert len(floors) == TOP_LEVEL_PER_PAGE
    # The comment pushed off page 1 keeps its number on page 2.
    pushed = ids[TOP_LEVEL_PER_PAGE - 1]
    assert _floors(parse(client.get(path + "?cpage=2")))[pushed] == TOP_LEVEL_PER_PAGE


def test_held_comments_take_no_floor(app, client, article):
    with app.app_context():
        first = make_comment(article)
    mine = comment_id_from(
        post_comment(client, article.public_id, **reader()), article.public_id
    )
    with app.app_context():
        later = make_comment(article)

    floors = _floors(parse(client.get(article_path(article.public_id))))

    assert floors == {first.id: 1, later.id: 2}
    assert mine not in floors


def test_pinning_is_for_approved_top_level_comments_and_audited(app, article):
    with app.app_context():
        editor = make_user(username="ed", role=Role.EDITOR, password=None)
        top = make_comment(article)
        reply = make_comment(article, parent=top)
        held = make_comment(article, status="pending")
        for refused in (reply, held):
            try:
                pin_comment(refused.id, True, editor)
            except InvalidInput as error:
                assert "只能置顶" in str(error)
            else:
                raise AssertionError("pinned a comment that may not be")
        pin_comment(top.id, True, editor)
        pin_comment(top.id, True, editor)  # nothing more
        pin_comment(top.id, False, editor)
        actions = db.session.scalars(
            select(AuditEntry.action).order_by(AuditEntry.id)
        ).all()
        assert actions == ["pin", "unpin"]
        assert db.session.get(Comment, top.id).pinned_at is None
