"""The comment form's anti-forgery check: a signed, time-limited token with the
request's Origin for readers; the session-bound token for logged-in users."""

from __future__ import annotations

import pytest
from flask_wtf.csrf import generate_csrf

from cms.models import CommentStatus
from cms.services.errors import InvalidInput
from cms.services.form_tokens import (
    TOKEN_MAX_AGE,
    issue_comment_token,
    read_comment_token,
)
from cms.services.reasons import reason
from tests.comments.support import (
    SITE_ORIGIN,
    comment_id_from,
    craft_token,
    log_in,
    parse,
    post_comment,
    reader,
    rows,
)

TWO_DAYS = TOKEN_MAX_AGE.total_seconds()


def _assert_refused(app, response):
    assert response.status_code == 400
    page = parse(response)
    assert page.select_one("#respond .form-error") is not None
    # The form comes back with a fresh, genuine token and the reader's text.
    form = page.select_one("form#comment-form")
    assert form.select_one("input[name=csrf_token]")["value"]
    assert form.select_one("input[name=author]")["value"] == reader()["author"]
    with app.app_context():
        assert rows() == []


def test_token_of_another_article_is_refused(app, client, article, publish):
    other = publish()
    with app.app_context():
        token = issue_comment_token(other.public_id)

    response = post_comment(client, article.public_id, csrf_token=token, **reader())

    _assert_refused(app, response)


def test_token_older_than_two_days_is_refused(app, client, article):
    with app.app_context():
        token = craft_token(article.public_id, TWO_DAYS + 60)

    response = post_comment(client, article.public_id, csrf_token=token, **reader())

    _assert_refused(app, response)
    assert "过期" in parse(response).select_one("#respond .form-error").get_text()


def test_token_a_day_old_is_accepted(app, client, article):
    with app.app_context():
        token = craft_token(article.public_id, TWO_DAYS / 2)

    response = post_comment(client, article.public_id, csrf_token=token, **reader())

    comment_id_from(response, article.public_id)


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "eyJhIjoiQUFBQSJ9.Zz1Zz1.forgedsignatureforgedsignature"],
    ids=["empty", "garbage", "bad-signature"],
)
def test_forged_token_is_refused(app, client, article, token):
    response = post_comment(client, article.public_id, csrf_token=token, **reader())

    _assert_refused(app, response)


def test_token_signed_with_another_key_is_refused(app, client, article):
    with app.app_context():
        token = craft_token(article.public_id, 60, key="someone-elses-key")

    response = post_comment(client, article.public_id, csrf_token=token, **reader())

    _assert_refused(app, response)


def test_missing_token_is_refused(app, client, article):
    response = client.post(
        f"/comments/{article.public_id}", data=reader(), headers={"Origin": SITE_ORIGIN}
    )

    _assert_refused(app, response)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.test"},
        {"Origin": "https://cms.test"},  # another scheme is another origin
        {"Origin": "http://cms.test.evil.test"},
        {"Origin": "null"},
        {"Referer": "http://evil.test/page.html"},
    ],
    ids=["other-site", "other-scheme", "suffix", "null", "referer-only"],
)
def test_request_from_another_site_is_refused(app, client, article, headers):
    response = post_comment(
        client, article.public_id, origin=None, headers=headers, **reader()
    )

    _assert_refused(app, response)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": SITE_ORIGIN},
        {"Origin": "http://localhost"},  # the host the request was addressed to
        {"Referer": SITE_ORIGIN + "/some-article.html"},
        {},  # no browser: the signed token alone
    ],
    ids=["site-url", "request-host", "referer", "none"],
)
def test_request_from_this_site_is_accepted(app, client, article, headers):
    response = post_comment(
        client, article.public_id, origin=None, headers=headers, **reader()
    )

    comment_id_from(response, article.public_id)
    with app.app_context():
        assert len(rows()) == 1


def test_too_fast_reads_the_serving_time_from_the_token(app, client, article, settings):
    """The token's signing time is when the form was served."""
    settings(comments__min_submit_seconds="600", comments__hold_first="false")
    with app.app_context():
        slow = craft_token(article.public_id, 700)

    fast = post_comment(client, article.public_id, **reader(1))  # token issued now
    patient = post_comment(client, article.public_id, csrf_token=slow, **reader(2))

    comment_id_from(fast, article.public_id)
    comment_id_from(patient, article.public_id)
    with app.app_context():
        first, second = rows()
    assert first.status == CommentStatus.SPAM
    assert reason("too_fast") in first.reasons
    assert second.status == CommentStatus.APPROVED
    assert reason("too_fast") not in second.reasons


# --- logged-in users: the session-bound token --------------------------------


@pytest.fixture(params=[True, False], ids=["csrf-on", "csrf-off"])
def app_config(request, app_config):
    """Both with Flask-WTF's global CSRF on (as in production) and off (as in
    TestingConfig): the comment view checks the session token itself."""
    return app_config | {"WTF_CSRF_ENABLED": request.param}


@pytest.mark.parametrize(
    ("role", "status"),
    [("editor", CommentStatus.APPROVED), ("contributor", CommentStatus.PENDING)],
)
def test_logged_in_user_posts_with_the_session_token(
    request, app, client, article, role, status
):
    username = request.getfixturevalue(role)
    log_in(client, username)

    response = post_comment(client, article.public_id, **reader())

    comment_id = comment_id_from(response, article.public_id)
    with app.app_context():
        (row,) = rows()
        assert row.id == comment_id
        assert row.status == status
        assert row.user.username == username


def test_logged_in_user_gets_a_session_token_not_a_signed_one(
    app, client, article, editor
):
    log_in(client, editor)
    page = parse(client.get(f"/{article.public_id}.html"))
    token = page.select_one("form#comment-form input[name=csrf_token]")["value"]

    with app.test_request_context(), pytest.raises(InvalidInput):
        read_comment_token(token, article.public_id)


def test_signed_reader_token_alone_is_refused_for_a_logged_in_user(
    app, client, article, editor
):
    log_in(client, editor)
    with app.app_context():
        token = issue_comment_token(article.public_id)

    response = post_comment(client, article.public_id, csrf_token=token, **reader())

    assert response.status_code == 400
    with app.app_context():
        assert rows() == []


def test_session_token_of_another_session_is_refused(app, client, article, editor):
    with app.test_request_context():
        foreign = generate_csrf()  # bound to a session that is not the client's
    log_in(client, editor)

    response = post_comment(client, article.public_id, csrf_token=foreign, **reader())

    assert response.status_code == 400
    with app.app_context():
        assert rows() == []
