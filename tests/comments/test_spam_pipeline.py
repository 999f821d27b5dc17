"""The anti-spam pipeline (cms.services.spam.assess), directly and through the
form: which status a comment gets, and the reasons stored with it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.models import CommentStatus, Role, utcnow
from cms.services.moderation import set_status
from cms.services.reasons import reason
from cms.services.settings import current_settings, set_setting
from cms.services.spam import Candidate, Policy, assess
from tests.comments.support import (
    article_path,
    comment_id_from,
    log_in,
    parse,
    post_comment,
    reader,
    rows,
)
from tests.factories import make_comment, make_user

SPAM, PENDING, APPROVED = (
    CommentStatus.SPAM,
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
)


def candidate(**overrides) -> Candidate:
    values = {
        "author_name": "读者",
        "author_email": "reader@example.cn",
        "author_url": "",
        "body": "写得很好，学习了。",
        "ip": "203.0.113.7",
    }
    return Candidate(**(values | overrides))


def policy(**settings) -> Policy:
    """The site's policy with `comments.*` overrides (keys without the prefix).
    The learning spam score is off unless asked for: these tests are about the
    other checks (tests/comments/test_spam_score.py is about the score)."""
    settings.setdefault("spam_score_hold", 0)
    settings.setdefault("spam_score_spam", 0)
    values = dict(current_settings())
    values.update({f"comments.{k}": v for k, v in settings.items()})
    return Policy.from_settings(values)


# --- direct -------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_staff_are_approved_whatever_else(ctx, role):
    staff = make_user(role=role, password=None)
    noisy = candidate(
        user=staff, body="加微信 http://a.example http://b.example",
        honeypot="", served_at=utcnow(),
    )  # fmt: skip

    verdict = assess(
        noisy, utcnow(),
        policy(require_approval=True, moderation_words="加微信", min_submit_seconds=3),
    )  # fmt: skip

    assert verdict.status == APPROVED
    assert verdict.reasons[0] == reason("staff")


def test_contributor_is_not_staff(ctx):
    writer = make_user(role=Role.CONTRIBUTOR, password=None)

    verdict = assess(candidate(user=writer), utcnow(), policy(hold_first=True))

    assert verdict.status == PENDING
    assert reason("staff") not in verdict.reasons


def test_honeypot_is_spam(ctx):
    verdict = assess(candidate(honeypot="bot"), utcnow(), policy(hold_first=False))

    assert verdict.status == SPAM
    assert reason("honeypot") in verdict.reasons


def test_blank_honeypot_is_not_spam(ctx):
    verdict = assess(candidate(honeypot="  "), utcnow(), policy(hold_first=False))

    assert verdict.status == APPROVED
    assert verdict.reasons == []


@pytest.mark.parametrize(
    ("age", "minimum", "status"),
    [
        (1, 3, SPAM),
        (2.5, 3, SPAM),
        (3, 3, APPROVED),
        (10, 3, APPROVED),
        (0, 0, APPROVED),
    ],
)
def test_too_fast(ctx, age, minimum, status):
    now = utcnow()
    served = candidate(served_at=now - timedelta(seconds=age))

    verdict = assess(served, now, policy(min_submit_seconds=minimum, hold_first=False))

    assert verdict.status == status
    assert (reason("too_fast") in verdict.reasons) is (status == SPAM)


def test_too_fast_does_not_apply_without_a_serving_time(ctx):
    """Logged-in users post with the session token: no serving time."""
    verdict = assess(candidate(served_at=None), utcnow(),
                     policy(min_submit_seconds=600, hold_first=False))  # fmt: skip

    assert verdict.status == APPROVED


@pytest.mark.parametrize(
    ("rule", "overrides", "reason"),
    [
        (
            "代开发票",
            {"body": "代 开 发 票，量大从优"},
            reason("disallowed_word", rule="代开发票"),
        ),
        (
            "代开发票",
            {"author_name": "代开\u200b发票"},
            reason("disallowed_word", rule="代开发票"),
        ),
        (
            "casino",
            {"author_url": "http://CASINO.example"},
            reason("disallowed_word", rule="casino"),
        ),
        (
            "bad@spam.example",
            {"author_email": "Bad@Spam.example"},
            reason("disallowed_email", rule="bad@spam.example"),
        ),
        (
            "@spam.example",
            {"author_email": "x@spam.example"},
            reason("disallowed_email", rule="@spam.example"),
        ),
        ("1.2.3.4", {"ip": "1.2.3.4"}, reason("disallowed_ip", rule="1.2.3.4")),
        (
            "1.2.3.0/24",
            {"ip": "1.2.3.200"},
            reason("disallowed_ip_range", rule="1.2.3.0/24"),
        ),
    ],
)
def test_disallowed_rules_make_spam(ctx, rule, overrides, reason):
    verdict = assess(candidate(**overrides), utcnow(),
                     policy(disallowed=rule, hold_first=False))  # fmt: skip

    assert verdict.status == SPAM
    assert reason in verdict.reasons


@pytest.mark.parametrize(
    ("rule", "ip"),
    [("1.2.3.4", "11.2.3.45"), ("1.2.3.4", "1.2.3.40"), ("10.0.0.0/8", "110.1.1.1")],
)
def test_ip_rule_does_not_match_by_substring(ctx, rule, ip):
    verdict = assess(
        candidate(ip=ip), utcnow(), policy(disallowed=rule, hold_first=False)
    )

    assert verdict.status == APPROVED
    assert verdict.reasons == []


def test_empty_lines_in_rule_lists_match_nothing(ctx):
    verdict = assess(
        candidate(), utcnow(),
        policy(disallowed="\n\n \n\u200b\n", moderation_words="\n\n\t\n",
               hold_first=False),
    )  # fmt: skip

    assert verdict.status == APPROVED
    assert verdict.reasons == []


def test_empty_lines_stored_through_settings_match_nothing(ctx):
    set_setting("comments.disallowed", "\n\n   \n发票\n\n")
    set_setting("comments.moderation_words", "\r\n\r\n")
    set_setting("comments.hold_first", "false")

    assert current_settings()["comments.disallowed"] == "发票"
    verdict = assess(candidate(), utcnow())

    assert verdict.status == APPROVED
    assert verdict.reasons == []


@pytest.mark.parametrize(
    ("body", "maximum", "status", "reason"),
    [
        (
            "看 http://a.example 和 https://b.example",
            2,
            PENDING,
            reason("links", count=2),
        ),
        (
            "http://a.example www.b.example https://c.example",
            2,
            PENDING,
            reason("links", count=3),
        ),
        ("只看 http://a.example", 2, APPROVED, None),
        ("http://a.example https://b.example", 0, APPROVED, None),  # 0 = off
        ("只看 http://a.example", 1, PENDING, reason("links", count=1)),
    ],
)
def test_max_links(ctx, body, maximum, status, reason):
    verdict = assess(candidate(body=body), utcnow(),
                     policy(max_links=maximum, hold_first=False))  # fmt: skip

    assert verdict.status == status
    if reason:
        assert reason in verdict.reasons
    else:
        assert not any(r["code"] == "links" for r in verdict.reasons)


def test_moderation_words_hold(ctx):
    verdict = assess(candidate(body="有事加 微 信 abc123"), utcnow(),
                     policy(moderation_words="加微信", hold_first=False))  # fmt: skip

    assert verdict.status == PENDING
    assert verdict.reasons == [reason("held_word", rule="加微信")]


def test_require_approval_holds(ctx):
    verdict = assess(candidate(), utcnow(),
                     policy(require_approval=True, hold_first=False))  # fmt: skip

    assert verdict.status == PENDING
    assert verdict.reasons == [reason("approval_required")]


def test_spam_outranks_hold_and_every_reason_is_kept(ctx):
    noisy = candidate(body="加微信 http://a.example http://b.example", honeypot="x")

    verdict = assess(noisy, utcnow(), policy(moderation_words="加微信"))

    assert verdict.status == SPAM
    assert verdict.reasons == [
        reason("honeypot"),
        reason("links", count=2),
        reason("held_word", rule="加微信"),
        reason("first_comment"),
    ]


def test_hold_first_until_an_approved_comment(ctx, article):
    first = assess(candidate(), utcnow())
    assert first.status == PENDING
    assert first.reasons == [reason("first_comment")]

    held = make_comment(article, status="pending", author_email="reader@example.cn")
    assert assess(candidate(), utcnow()).status == PENDING  # held is not trusted

    set_status([held.id], APPROVED, None)
    trusted = assess(candidate(author_email=" Reader@Example.CN "), utcnow())

    assert trusted.status == APPROVED
    assert trusted.reasons == [reason("known_commenter")]
    assert assess(candidate(author_email="new@example.cn"), utcnow()).status == PENDING


def test_hold_first_off_approves_newcomers(ctx):
    verdict = assess(candidate(), utcnow(), policy(hold_first=False))

    assert verdict.status == APPROVED


def test_a_known_commenter_is_still_held_by_rules(ctx, article):
    make_comment(article, status="approved", author_email="reader@example.cn")

    verdict = assess(
        candidate(body="加微信"), utcnow(), policy(moderation_words="加微信")
    )

    assert verdict.status == PENDING
    assert verdict.reasons == [
        reason("held_word", rule="加微信"),
        reason("known_commenter"),
    ]


# --- through the form ---------------------------------------------------------


def _posted(app, client, article, ip=None, **fields):
    response = post_comment(client, article.public_id, ip=ip, **(reader() | fields))
    comment_id = comment_id_from(response, article.public_id)
    with app.app_context():
        (row,) = rows()
    assert row.id == comment_id
    return response, row


def _shown_as_held(client, response, comment_id: int) -> bool:
    page = parse(client.get(response.headers["Location"]))
    item = page.select_one(f"#comments li#comment-{comment_id}")
    return item is not None and "待审核" in item.select_one(".held-mark").get_text()


def test_form_honeypot_is_spam_but_answered_like_a_held_comment(app, client, article):
    response, row = _posted(app, client, article, nickname="http://bot.example")

    assert row.status == SPAM
    assert reason("honeypot") in row.reasons
    assert _shown_as_held(client, response, row.id)
    stranger = parse(app.test_client().get(article_path(article.public_id)))
    assert stranger.select_one(f"#comment-{row.id}") is None


def test_form_too_fast_is_spam(app, client, article, settings):
    settings(comments__min_submit_seconds="600")

    response, row = _posted(app, client, article)

    assert row.status == SPAM
    assert reason("too_fast") in row.reasons
    assert _shown_as_held(client, response, row.id)


@pytest.mark.parametrize(
    ("rule", "fields", "ip", "reason"),
    [
        (
            "加微信",
            {"body": "详情请加\u200b微信 abc"},
            None,
            reason("disallowed_word", rule="加微信"),
        ),
        (
            "bad@spam.example",
            {"email": "bad@spam.example"},
            None,
            reason("disallowed_email", rule="bad@spam.example"),
        ),
        (
            "198.51.100.7",
            {},
            "198.51.100.7",
            reason("disallowed_ip", rule="198.51.100.7"),
        ),
        (
            "198.51.100.0/24",
            {},
            "198.51.100.99",
            reason("disallowed_ip_range", rule="198.51.100.0/24"),
        ),
    ],
)
def test_form_disallowed_is_spam(
    app, client, article, settings, rule, fields, ip, reason
):
    settings(comments__disallowed=rule)

    response, row = _posted(app, client, article, ip=ip, **fields)

    assert row.status == SPAM
    assert reason in row.reasons
    assert _shown_as_held(client, response, row.id)


def test_form_ip_rule_does_not_match_a_longer_address(app, client, article, settings):
    settings(comments__disallowed="1.2.3.4", comments__hold_first="false")

    _, row = _posted(app, client, article, ip="11.2.3.45")

    assert row.status == APPROVED
    assert row.ip == "11.2.3.45"


@pytest.mark.parametrize(
    ("setting", "fields", "reason"),
    [
        (
            {},
            {"body": "参考 http://a.example 和 http://b.example"},
            reason("links", count=2),
        ),
        (
            {"comments__moderation_words": "加微信"},
            {"body": "加 微 信 聊"},
            reason("held_word", rule="加微信"),
        ),
        ({"comments__require_approval": "true"}, {}, reason("approval_required")),
    ],
)
def test_form_held_with_reason(app, client, article, settings, setting, fields, reason):
    # The learning score would add its own reason to the link-only comment.
    settings(comments__hold_first="false", comments__spam_score_hold="0",
             comments__spam_score_spam="0", **setting)  # fmt: skip

    response, row = _posted(app, client, article, **fields)

    assert row.status == PENDING
    assert row.reasons == [reason]
    assert _shown_as_held(client, response, row.id)


def test_form_hold_first_then_trusted(app, client, article):
    response, first = _posted(app, client, article, body="第一条评论")
    assert first.status == PENDING
    assert first.reasons == [reason("first_comment")]

    with app.app_context():
        set_status([first.id], APPROVED, None)
    second = post_comment(client, article.public_id, **reader(body="第二条评论"))
    second_id = comment_id_from(second, article.public_id)

    with app.app_context():
        stored = {row.id: row for row in rows()}
    assert stored[second_id].status == APPROVED
    assert stored[second_id].reasons == [reason("known_commenter")]


def test_form_staff_is_approved(app, client, article, editor):
    log_in(client, editor)

    _, row = _posted(
        app, client, article, body="编辑的评论 http://a.example http://b.example"
    )

    assert row.status == APPROVED
    assert row.reasons[0] == reason("staff")
