"""The comment form sent twice (a double click, a browser sending it again):
one comment, and the second answer is the first one's, before the flood and
duplicate rules, which would refuse it. A new form with the same text is
still a duplicate (409); the same form with other text is a new comment."""

from __future__ import annotations

from tests.comments.support import (
    SITE_ORIGIN,
    article_path,
    comment_id_from,
    parse,
    read_form,
    reader,
    rows,
)


def _send(client, public_id: str, form: dict[str, str], **fields: str):
    return client.post(
        f"/comments/{public_id}",
        data=form | fields,
        headers={"Origin": SITE_ORIGIN},
    )


def test_the_same_form_twice_stores_one_comment_and_answers_it_twice(
    app, client, article, settings
):
    settings(comments__flood_seconds="60")  # the flood rule on; hold_first on
    _, form = read_form(client, article.public_id)

    first = _send(client, article.public_id, form, **reader(1))
    again = app.test_client().post(  # the browser dropped the first answer
        f"/comments/{article.public_id}",
        data=form | reader(1),
        headers={"Origin": SITE_ORIGIN},
    )

    comment_id = comment_id_from(first, article.public_id)
    assert comment_id_from(again, article.public_id) == comment_id
    with app.app_context():
        assert [r.id for r in rows()] == [comment_id]
    # The second answer shows the held comment to its author, as the first does.
    shown = parse(app.test_client().get(again.headers["Location"]))
    assert shown.select_one(f"#comment-{comment_id}") is None  # no cookie sent
    mine = parse(client.get(again.headers["Location"]))
    assert mine.select_one(f"#comment-{comment_id} .held-mark") is not None
    assert "cms_held=" in "".join(again.headers.getlist("Set-Cookie"))


def test_the_same_form_with_other_text_is_another_comment(app, client, article):
    _, form = read_form(client, article.public_id)

    first = _send(client, article.public_id, form, **reader(1))
    second = _send(client, article.public_id, form, **reader(1, body="另一条评论。"))

    assert comment_id_from(first, article.public_id) != comment_id_from(
        second, article.public_id
    )
    with app.app_context():
        assert len(rows()) == 2


def test_a_new_form_with_the_same_text_is_a_duplicate(app, client, article):
    _, form = read_form(client, article.public_id)
    _, reloaded = read_form(client, article.public_id)
    assert reloaded["csrf_token"] != form["csrf_token"]

    first = _send(client, article.public_id, form, **reader(1))
    again = _send(client, article.public_id, reloaded, **reader(1))

    comment_id_from(first, article.public_id)
    assert again.status_code == 409
    with app.app_context():
        assert len(rows()) == 1


def test_a_form_sent_twice_does_not_answer_for_another_article(
    app, client, article, publish
):
    other = publish(title="另一篇文章")
    _, form = read_form(client, article.public_id)
    first = _send(client, article.public_id, form, **reader(1))
    comment_id_from(first, article.public_id)

    # Its token names the first article: refused on the other, nothing stored.
    refused = _send(client, other.public_id, form, **reader(1))

    assert refused.status_code == 400
    assert article_path(other.public_id) not in refused.headers.get("Location", "")
    with app.app_context():
        assert len(rows()) == 1
