"""The learning spam score's reason reaches the queue as a warning chip."""

from __future__ import annotations

from bs4 import BeautifulSoup

from cms.models import CommentStatus
from cms.services.comments import submit_comment
from cms.services.settings import set_setting
from cms.services.spam import Candidate


def test_the_queue_shows_why_the_score_marked_a_comment(app, staff, db_ctx, article):
    with db_ctx():
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.hold_first", "false")
        comment = submit_comment(
            article,
            Candidate(author_name="小美", author_email="mei@example.cn",
                      author_url="", body="兼职日结，私聊我，加薇信 ab_1234",
                      ip="203.0.113.9"),
        ).comment  # fmt: skip
        assert comment.status == CommentStatus.SPAM
        comment_id = comment.id

    page = BeautifulSoup(
        staff.get("/moderation/comments?status=spam").text, "html.parser"
    )

    chip = page.select_one(f"#row-{comment_id} li.chip[data-code=spam_score]")
    assert chip is not None
    assert chip.get_text() == "像垃圾评论：兼职日结, 私聊我, 加薇信"
    assert "chip-warn" in chip["class"]
