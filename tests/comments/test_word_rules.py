"""Word rules in the comment pipeline: every action gives its answer, the
rule is the reason, a refused comment keeps the reader's text."""

from __future__ import annotations

import pytest

from cms.models import CommentStatus
from cms.services.reasons import reason_text
from cms.services.settings import set_setting
from cms.services.wordrule_store import add_rule
from cms.text.wordfilter import Action, Kind, Rule
from tests.comments.support import (
    comment_id_from,
    parse,
    post_comment,
    reader,
    rows,
)

COMMENTS = frozenset({"comments", "names"})


@pytest.fixture(autouse=True)
def _no_spam_score(app):
    """These tests are about the word rules: the learning spam score (which
    would hold or mark most of these bodies itself) is off."""
    with app.app_context():
        set_setting("comments.spam_score_hold", "0")
        set_setting("comments.spam_score_spam", "0")


@pytest.fixture
def rule(app):
    def do(phrase, action, replacement="", kind=Kind.WORD, scopes=COMMENTS):
        with app.app_context():
            return add_rule(Rule(phrase, action, replacement, scopes, kind), None).id

    return do


def _post(app, client, article, **fields):
    response = post_comment(client, article.public_id, **(reader() | fields))
    return response


@pytest.mark.parametrize(
    ("action", "body", "status", "stored", "code"),
    [
        (
            Action.HOLD,
            "请加.微.信联系",
            CommentStatus.PENDING,
            "请加.微.信联系",
            "word_hold",
        ),
        (
            Action.SPAM,
            "请加-微-信联系",
            CommentStatus.SPAM,
            "请加-微-信联系",
            "word_spam",
        ),
        (
            Action.FLAG,
            "请加 微 信联系",
            CommentStatus.APPROVED,
            "请加 微 信联系",
            "word_flag",
        ),
        (
            Action.STRIP,
            "好文，加微信，谢谢",
            CommentStatus.APPROVED,
            "好文，谢谢",
            "word_strip",
        ),
        (
            Action.REPLACE,
            "请加\u200b微信联系",
            CommentStatus.APPROVED,
            "请＊＊＊联系",
            "word_replace",
        ),
    ],  # fmt: skip
)
def test_each_action_on_a_comment(
    app, client, article, settings, rule, action, body, status, stored, code
):
    settings(comments__hold_first="false")
    rule_id = rule("加微信", action, "＊＊＊" if action == Action.REPLACE else "")

    response = _post(app, client, article, body=body)

    comment_id_from(response, article.public_id)
    with app.app_context():
        (row,) = rows()
        assert row.status == status
        assert row.body == stored
        (found,) = [r for r in row.reasons if r["code"] == code]
        assert found["params"]["rule"] == "加微信"
        assert found["params"]["rule_id"] == rule_id
        assert "加微信" in reason_text(found)


def test_reject_is_400_with_a_clear_message_and_the_text_kept(
    app, client, article, rule
):
    rule("网赌", Action.REJECT)
    body = "推荐一个网.赌平台，稳赚"

    response = _post(app, client, article, body=body)

    assert response.status_code == 400
    page = parse(response)
    assert "本站不允许的内容" in page.get_text()
    assert "网.赌" in page.get_text()
    assert page.select_one("textarea[name=body]").get_text() == body
    with app.app_context():
        assert rows() == []


def test_reject_does_not_apply_to_staff_written_names_only_by_scope(
    app, client, article, rule
):
    rule("管理员", Action.REJECT, scopes=frozenset({"names"}))

    refused = _post(app, client, article, author="管理员")
    fine = _post(app, client, article, body="管理员说得对，赞同")

    assert refused.status_code == 400
    assert fine.status_code == 303


@pytest.mark.parametrize(
    "body",
    [
        "有需要的加我威信abc123",
        "薇信：hello888",
        "V信 ♥ 13812345678",
        "ｖｘ：ａｂｃ１２３４",
        "扣 扣 123456789",
        "企鹅号：82716453",
    ],  # fmt: skip
)
def test_contact_patterns_hold_with_their_own_reason(
    app, client, article, settings, rule, body
):
    settings(comments__hold_first="false")
    for word in ("威信", "薇信", "v信", "vx", "扣扣", "企鹅"):
        rule(word, Action.HOLD, kind=Kind.CONTACT)

    _post(app, client, article, body=body)

    with app.app_context():
        (row,) = rows()
        assert row.status == CommentStatus.PENDING
        assert [r["code"] for r in row.reasons] == ["contact_hold"]
        assert reason_text(row.reasons[0]).startswith("联系方式：")


def test_a_contact_word_without_an_id_passes(app, client, article, settings, rule):
    settings(comments__hold_first="false")
    rule("微信", Action.HOLD, kind=Kind.CONTACT)

    _post(app, client, article, body="我在微信上看到这篇文章，写得真好")

    with app.app_context():
        (row,) = rows()
        assert row.status == CommentStatus.APPROVED
        assert row.reasons == []


def test_exceptions_protect_comments_too(app, client, article, settings, rule):
    settings(comments__hold_first="false")
    rule("第一", Action.HOLD)
    rule("第一次", Action.FLAG, kind=Kind.EXCEPTION)

    _post(app, client, article, body="第一次看到这么清楚的解释")

    with app.app_context():
        (row,) = rows()
        assert row.status == CommentStatus.APPROVED


def test_moderation_words_setting_still_holds_punctuation_split_words(
    app, client, article, settings
):
    settings(comments__hold_first="false", comments__moderation_words="加微信")

    _post(app, client, article, body="加.微.信 聊")

    with app.app_context():
        (row,) = rows()
        assert row.status == CommentStatus.PENDING
        assert row.reasons == [{"code": "held_word", "params": {"rule": "加微信"}}]
