"""POST /comments/<public_id>: every answer of INTERFACE.md's table, in its
order (closed, invalid, flood, duplicate, accepted visible, accepted held)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.models import CommentStatus
from cms.services.form_tokens import issue_comment_token
from cms.services.reasons import reason
from tests.comments.support import (
    SITE_ORIGIN,
    article_path,
    comment_id_from,
    comment_items,
    parse,
    post_comment,
    reader,
    rows,
    stored_count,
    textarea_value,
)

# --- 403: closed --------------------------------------------------------------


def _post_blind(app, client, public_id: str, **fields):
    """Post without reading the page (a closed article renders no form)."""
    with app.app_context():
        token = issue_comment_token(public_id)
    data = {"csrf_token": token, "parent_id": ""} | fields
    return client.post(
        f"/comments/{public_id}", data=data, headers={"Origin": SITE_ORIGIN}
    )


@pytest.mark.parametrize(
    "fields",
    [
        reader(),
        {"author": "", "email": "bad", "body": "x"},
        reader(csrf_token="forged"),
    ],
    ids=["valid", "also-invalid", "also-forged"],
)
def test_article_without_comments_answers_403(app, client, publish, settings, fields):
    settings(comments__min_submit_seconds="0", comments__flood_seconds="0")
    closed = publish(allow_comments=False)

    response = _post_blind(app, client, closed.public_id, **fields)

    assert response.status_code == 403
    with app.app_context():
        assert rows() == []
    page = parse(client.get(article_path(closed.public_id)))
    assert page.select_one("form#comment-form") is None
    assert "评论已关闭" in page.select_one("#respond").get_text()


@pytest.mark.parametrize(
    "fields",
    [reader(), {"author": "", "email": "bad", "body": "x"}],
    ids=["valid", "also-invalid"],
)
def test_article_older_than_close_after_days_answers_403(
    app, client, publish, settings, fields
):
    settings(comments__close_after_days="30", comments__min_submit_seconds="0")
    old = publish(ago=timedelta(days=31))

    response = _post_blind(app, client, old.public_id, **fields)

    assert response.status_code == 403
    with app.app_context():
        assert rows() == []


def test_article_younger_than_close_after_days_is_open(app, client, publish, settings):
    settings(comments__close_after_days="30", comments__min_submit_seconds="0")
    recent = publish(ago=timedelta(days=29))

    response = post_comment(client, recent.public_id, **reader())

    assert response.status_code == 303
    with app.app_context():
        assert len(rows(recent.id)) == 1


# --- 400: invalid -------------------------------------------------------------

INVALID = [
    # (field with the error, fields sent)
    ("author", reader(author="")),
    ("author", reader(author="\u202e\u200b\x07")),  # nothing left after cleaning
    ("author", reader(author="名" * 51)),
    ("email", reader(email="")),
    ("email", reader(email="not-an-email")),
    ("email", reader(email="a@b@example.cn")),
    ("url", reader(url="javascript:alert(1)")),
    ("url", reader(url="JavaScript:alert(1)")),
    ("url", reader(url="ftp://files.example.cn/")),
    ("url", reader(url="data:text/html,<script>alert(1)</script>")),
    ("url", reader(url="example.cn")),
    ("body", reader(body="")),
    ("body", reader(body="   字   ")),  # 1 character after trimming
    ("body", reader(body="\n\n好\u200b\n")),
    ("body", reader(body="长" * 5001)),
]


@pytest.mark.parametrize(("field", "fields"), INVALID)
def test_invalid_form_answers_400_with_errors_and_the_readers_text(
    app, client, article, field, fields
):
    response = post_comment(client, article.public_id, **fields)

    assert response.status_code == 400
    page = parse(response)
    form = page.select_one("form#comment-form")
    # The error sits beside its field.
    box = form.select_one(f"[name={field}]").find_parent(class_="field")
    assert "has-error" in box["class"]
    error = box.select_one(".field-error")
    assert error is not None and error.get_text(strip=True)
    assert form.select_one(f"[name={field}]")["aria-invalid"] == "true"
    # Fields without a problem have no error.
    assert len(form.select(".field-error")) == 1
    # The reader's text is still there.
    if field != "body":
        assert textarea_value(form.select_one("textarea[name=body]")) == fields["body"]
    if field != "author":
        assert form.select_one("input[name=author]")["value"] == fields["author"]
    if field == "url":
        assert form.select_one("input[name=url]")["value"] == fields["url"]
    # A fresh token to send again, and nothing stored.
    assert form.select_one("input[name=csrf_token]")["value"]
    with app.app_context():
        assert rows() == []
        assert stored_count(article.id) == 0


@pytest.mark.parametrize(
    "fields",
    [
        reader(author="名" * 50),
        reader(body="  好文  "),
        reader(body="长" * 5000),
        reader(body=" " * 20 + "长" * 5000 + "\n" * 20),
        reader(url="https://blog.example.cn/关于"),
        reader(url="  http://example.cn  "),
    ],
    ids=[
        "name-50",
        "body-2-trimmed",
        "body-5000",
        "body-5000-trimmed",
        "https",
        "http",
    ],
)
def test_limits_themselves_are_accepted(app, client, article, fields):
    response = post_comment(client, article.public_id, **fields)

    comment_id = comment_id_from(response, article.public_id)
    with app.app_context():
        (row,) = rows()
    assert row.id == comment_id
    assert row.body == fields["body"].strip()
    assert row.author_url == fields.get("url", "").strip()


def test_missing_inputs_are_invalid(app, client, article):
    """A client that leaves fields out entirely (not even empty)."""
    with app.app_context():
        token = issue_comment_token(article.public_id)

    response = client.post(
        f"/comments/{article.public_id}",
        data={"csrf_token": token, "body": "只有正文"},
        headers={"Origin": SITE_ORIGIN},
    )

    assert response.status_code == 400
    errors = {
        e.find_parent(class_="field").select_one("[name]")["name"]
        for e in parse(response).select("form#comment-form .field-error")
    }
    assert errors == {"author", "email"}
    with app.app_context():
        assert rows() == []


def test_names_lose_control_and_bidi_characters(app, client, article):
    name = "\u202e张\u200b三\u2066\x07\x1b \t李\u200f四\u202c"

    response = post_comment(client, article.public_id, **reader(author=name))

    comment_id_from(response, article.public_id)
    with app.app_context():
        (row,) = rows()
    assert row.author_name == "张三 李四"


# --- 429: flood --------------------------------------------------------------


def test_second_comment_within_flood_seconds_answers_429(
    app, client, article, settings
):
    settings(comments__flood_seconds="60", comments__hold_first="false")
    first = post_comment(client, article.public_id, **reader(1))
    comment_id_from(first, article.public_id)

    response = post_comment(client, article.public_id, **reader(2))

    assert response.status_code == 429
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
    # The reader's text comes back with the message.
    page = parse(response)
    body = page.select_one("form#comment-form textarea[name=body]")
    assert textarea_value(body) == reader(2)["body"]
    assert page.select_one("#respond .form-error") is not None
    with app.app_context():
        assert [r.body for r in rows()] == [reader(1)["body"]]
        assert stored_count(article.id) == 1


def test_flood_is_per_address(app, client, article, settings):
    settings(comments__flood_seconds="60")
    first = post_comment(client, article.public_id, ip="198.51.100.1", **reader(1))
    assert first.status_code == 303

    other = post_comment(client, article.public_id, ip="198.51.100.2", **reader(2))
    again = post_comment(client, article.public_id, ip="198.51.100.1", **reader(3))

    assert other.status_code == 303
    assert again.status_code == 429
    with app.app_context():
        assert len(rows()) == 2


def test_invalid_form_is_answered_before_flood(app, client, article, settings):
    settings(comments__flood_seconds="60")
    assert post_comment(client, article.public_id, **reader(1)).status_code == 303

    response = post_comment(client, article.public_id, **reader(2, email="bad"))

    assert response.status_code == 400


# --- 409: duplicate -----------------------------------------------------------


def test_same_body_same_email_answers_409(app, client, article):
    first = post_comment(client, article.public_id, ip="198.51.100.1", **reader(1))
    assert first.status_code == 303

    response = post_comment(
        client, article.public_id, ip="198.51.100.2", **reader(1, author="别名")
    )

    assert response.status_code == 409
    page = parse(response)
    assert page.select_one("#respond .form-error") is not None
    with app.app_context():
        assert len(rows()) == 1


def test_same_body_same_address_answers_409(app, client, article):
    first = post_comment(client, article.public_id, ip="198.51.100.1", **reader(1))
    assert first.status_code == 303

    response = post_comment(
        client, article.public_id, ip="198.51.100.1",
        **reader(1, email="other@example.cn"),
    )  # fmt: skip

    assert response.status_code == 409
    with app.app_context():
        assert len(rows()) == 1


def test_same_body_elsewhere_or_by_someone_else_is_not_a_duplicate(
    app, client, article, publish
):
    other = publish()
    first = post_comment(client, article.public_id, ip="198.51.100.1", **reader(1))
    assert first.status_code == 303

    on_other_article = post_comment(
        client, other.public_id, ip="198.51.100.1", **reader(1)
    )
    by_someone_else = post_comment(
        client, article.public_id, ip="198.51.100.9",
        **reader(1, email="other@example.cn"),
    )  # fmt: skip

    assert on_other_article.status_code == 303
    assert by_someone_else.status_code == 303
    with app.app_context():
        assert len(rows()) == 3


def test_flood_is_answered_before_duplicate(app, client, article, settings):
    settings(comments__flood_seconds="60")
    assert post_comment(client, article.public_id, **reader(1)).status_code == 303

    response = post_comment(client, article.public_id, **reader(1))

    assert response.status_code == 429


def test_duplicate_of_a_held_comment_answers_409(app, client, article):
    """A duplicate of a held comment is a duplicate too (the author cannot
    push the same text twice into the queue)."""
    first = post_comment(client, article.public_id, **reader(1))
    comment_id_from(first, article.public_id)
    with app.app_context():
        assert rows()[0].status == CommentStatus.PENDING

    response = post_comment(client, article.public_id, **reader(1))

    assert response.status_code == 409


# --- 303: accepted ------------------------------------------------------------


def test_accepted_visible_comment_redirects_to_it(app, client, article, settings):
    settings(comments__hold_first="false")

    response = post_comment(client, article.public_id, **reader(1))

    comment_id = comment_id_from(response, article.public_id)
    assert response.headers["Location"].endswith(
        f"{article_path(article.public_id)}#comment-{comment_id}"
    )
    with app.app_context():
        (row,) = rows()
        assert row.id == comment_id
        assert row.status == CommentStatus.APPROVED
        assert row.author_name == "读者1"
        assert row.author_email == "reader1@example.cn"
        assert row.ip == "127.0.0.1"
        assert stored_count(article.id) == 1
    # Everyone sees it, without the mark.
    page = parse(app.test_client().get(article_path(article.public_id)))
    item = page.select_one(f"#comments li#comment-{comment_id}")
    assert item is not None
    assert reader(1)["body"] in item.get_text()
    assert "待审核" not in item.get_text()
    assert page.select_one("#comments")["data-count"] == "1"


def test_accepted_held_comment_is_shown_to_its_author_only(app, client, article):
    response = post_comment(client, article.public_id, **reader(1))  # hold_first

    comment_id = comment_id_from(response, article.public_id)
    with app.app_context():
        (row,) = rows()
        assert row.status == CommentStatus.PENDING
        assert reason("first_comment") in row.reasons
        assert stored_count(article.id) == 0

    own = parse(client.get(response.headers["Location"]))
    item = own.select_one(f"#comments li#comment-{comment_id}")
    assert item is not None
    assert "待审核" in item.select_one(".held-mark").get_text()
    assert reader(1)["body"] in item.get_text()
    assert own.select_one("#comments")["data-count"] == "0"

    stranger = parse(app.test_client().get(article_path(article.public_id)))
    assert stranger.select_one(f"#comment-{comment_id}") is None
    assert comment_items(stranger) == []
    assert "暂无评论" in stranger.select_one("#comments").get_text()
    assert stranger.select_one("#comments")["data-count"] == "0"


def test_remember_box_sets_the_commenter_cookie_only_when_ticked(app, client, article):
    plain = post_comment(client, article.public_id, **reader(1))
    ticked = post_comment(client, article.public_id, remember="y", **reader(2))

    assert plain.status_code == ticked.status_code == 303
    assert "cms_commenter=" not in " ".join(plain.headers.getlist("Set-Cookie"))
    cookie = [
        c
        for c in ticked.headers.getlist("Set-Cookie")
        if c.startswith("cms_commenter=")
    ]
    assert len(cookie) == 1 and "reader2%40example.cn" in cookie[0]


def test_unknown_article_answers_404(app, client, article):
    with app.app_context():
        token = issue_comment_token("A" * 16)
    response = client.post(
        "/comments/" + "A" * 16,
        data={"csrf_token": token} | reader(),
        headers={"Origin": SITE_ORIGIN},
    )
    assert response.status_code == 404
