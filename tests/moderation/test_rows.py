"""One comment's forms on the queue: approve-and-reply, edit, ban."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, AuditEntry, Comment, User, utcnow
from cms.services.reasons import reason
from cms.services.settings import current_settings
from cms.services.spam import Candidate, assess
from tests.moderation.helpers import add_comment, assert_counts_exact, statuses


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def comment_count(article_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Article, article_id).comment_count


# Approve and reply


def test_reply_to_a_pending_comment_approves_it_and_publishes_the_reply(
    app, staff, article, editor
):
    with app.app_context():
        parent = add_comment(article).id
        before = assert_counts_exact()

    response = staff.post(
        f"/moderation/comments/{parent}/reply?status=pending&author=读者",
        data={"body": "  谢谢，已经更新了文章。  "},
    )

    assert response.status_code == 303
    assert (
        response.headers["Location"]
        == "/moderation/comments?status=pending&author=%E8%AF%BB%E8%80%85"
    )
    assert flashes(staff) == [("success", "已批准并发布回复。")]
    with app.app_context():
        reply = db.session.scalar(select(Comment).where(Comment.parent_id == parent))
        me = db.session.scalar(select(User).where(User.username == editor))
        assert reply.body == "谢谢，已经更新了文章。"
        assert reply.status.value == "approved"
        assert reply.user_id == me.id and reply.author_name == me.display_name
        assert statuses(parent) == ["approved"]
        after = assert_counts_exact()
        assert after["approved"] == before["approved"] + 2
        assert after["pending"] == before["pending"] - 1
        assert comment_count(article.id) == 2


def test_reply_to_an_approved_comment_adds_one(app, staff, article):
    with app.app_context():
        parent = add_comment(article, status="approved").id

    staff.post(f"/moderation/comments/{parent}/reply", data={"body": "补充一点说明。"})

    with app.app_context():
        assert comment_count(article.id) == 2
        assert_counts_exact()


def test_an_empty_reply_is_refused_and_changes_nothing(app, staff, article):
    with app.app_context():
        parent = add_comment(article).id

    response = staff.post(f"/moderation/comments/{parent}/reply", data={"body": " "})

    assert response.status_code == 303
    assert flashes(staff)[0][0] == "error"
    with app.app_context():
        assert statuses(parent) == ["pending"]
        assert (
            db.session.scalar(select(Comment).where(Comment.parent_id == parent))
            is None
        )


def test_reply_to_a_missing_comment_is_404(staff):
    assert (
        staff.post(
            "/moderation/comments/999/reply", data={"body": "你好呀"}
        ).status_code
        == 404
    )


# Edit


def test_edit_page_shows_the_form_with_the_text(app, staff, article):
    with app.app_context():
        comment = add_comment(article, body="原来的<b>评论</b>").id

    response = staff.get(
        f"/moderation/comments/{comment}/edit?next=/moderation/comments?status=spam"
    )

    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert (
        soup.select_one("textarea[name=body]").get_text().strip() == "原来的<b>评论</b>"
    )
    assert (
        soup.select_one("input[name=next]")["value"]
        == "/moderation/comments?status=spam"
    )
    assert soup.select_one("b") is None  # the reader's HTML stays text


def test_edit_changes_the_text_and_records_before_and_after(app, staff, article):
    with app.app_context():
        comment = add_comment(article, body="有错别字的评论").id

    response = staff.post(
        f"/moderation/comments/{comment}/edit",
        data={"body": "改正后的评论", "reason": "错别字",
              "next": "/moderation/comments?status=pending&email=a%40b.cn"},
    )  # fmt: skip

    assert response.status_code == 303
    assert (
        response.headers["Location"]
        == "/moderation/comments?status=pending&email=a%40b.cn"
    )
    with app.app_context():
        assert db.session.get(Comment, comment).body == "改正后的评论"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "edit"))
        assert entry.target_ids == [comment]
        assert entry.changes == {
            str(comment): {"before": "有错别字的评论", "after": "改正后的评论"}
        }
        assert entry.reason == "错别字"
        assert_counts_exact()


def test_edit_ignores_a_next_that_leaves_the_site(app, staff, article):
    with app.app_context():
        comment = add_comment(article).id

    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = staff.post(
            f"/moderation/comments/{comment}/edit",
            data={"body": f"新的内容 {target}", "next": target},
        )
        assert response.headers["Location"] == "/moderation/comments", target


def test_an_invalid_edit_shows_the_form_again_and_changes_nothing(app, staff, article):
    with app.app_context():
        comment = add_comment(article, body="保持不变").id

    response = staff.post(f"/moderation/comments/{comment}/edit", data={"body": "x"})

    assert response.status_code == 400
    assert "评论须为 2-5000 个字符" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Comment, comment).body == "保持不变"
        assert db.session.scalar(select(AuditEntry.id)) is None
    assert staff.get("/moderation/comments/999/edit").status_code == 404


# Ban


def test_ban_adds_rules_marks_pending_spam_and_catches_later_comments(
    app, staff, article
):
    with app.app_context():
        target = add_comment(
            article, author_email="spammer@example.cn", ip="198.51.100.23"
        ).id
        other_pending = add_comment(article, author_email="spammer@example.cn").id
        approved = add_comment(
            article, status="approved", author_email="spammer@example.cn"
        ).id
        bystander = add_comment(article, author_email="fine@example.cn").id

    response = staff.post(
        f"/moderation/comments/{target}/ban?status=pending",
        data={"by_email": "y", "ip_range": "y", "spam_pending": "y"},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/comments?status=pending"
    messages = flashes(staff)
    assert len(messages) == 1  # one action, one message
    assert messages[0][0] == "success"
    assert messages[0][1].startswith(
        "已封禁：spammer@example.cn、198.51.100.0/24。已标为垃圾 2 条评论"
    )
    with staff.session_transaction() as session:
        assert session["moderation_undo"]  # the spam marking can be undone
    with app.app_context():
        rules = current_settings()["comments.disallowed"].split("\n")
        assert rules == ["spammer@example.cn", "198.51.100.0/24"]
        assert statuses(target, other_pending, approved, bystander) == [
            "spam", "spam", "approved", "pending"]  # fmt: skip
        assert_counts_exact()
        later = assess(
            Candidate(
                "新名字", "Spammer@Example.cn", "", "又一条正常的评论", ip="192.0.2.1"
            ),
            utcnow(),
        )
        assert later.status.value == "spam"
        assert later.reasons[0] == reason("disallowed_email", rule="spammer@example.cn")
        from_range = assess(
            Candidate(
                "路人", "new@example.cn", "", "你好，写得不错", ip="198.51.100.200"
            ),
            utcnow(),
        )
        assert from_range.status.value == "spam"


def test_ban_without_marking_spam_only_adds_the_rule(app, staff, article):
    with app.app_context():
        target = add_comment(article, author_email="x@example.cn", ip="192.0.2.9").id

    staff.post(f"/moderation/comments/{target}/ban", data={"by_ip": "y"})

    with app.app_context():
        assert current_settings()["comments.disallowed"] == "192.0.2.9"
        assert statuses(target) == ["pending"]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ban"))
        assert entry.changes == {"rules": ["192.0.2.9"]}


def test_ban_with_nothing_to_ban_is_refused(app, staff, article):
    with app.app_context():
        target = add_comment(article, author_email="", ip=None).id

    response = staff.post(
        f"/moderation/comments/{target}/ban",
        data={"by_email": "y"},
        headers={"Referer": "http://localhost/moderation/comments?status=pending"},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/comments?status=pending"
    assert flashes(staff) == [("error", "这条评论没有可封禁的邮箱或 IP")]
    with app.app_context():
        assert current_settings()["comments.disallowed"] == ""
