"""Reply notices through a real SMTP server: opt-in (off by default), what
the message says, when it is sent (visible replies, editors' replies from
the queue, once), signed one-click unsubscribe per thread and for all, the
hourly limit per address; and the owner's new-comment message."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import Comment, CommentStatus, OutboxMessage, User
from cms.services.commenters import reply_as
from cms.services.moderation import apply_action
from cms.services.reply_notices import REPLY_KIND, unsubscribe_token
from tests.comments.support import (
    article_path,
    comment_id_from,
    parse,
    post_comment,
    read_form,
    reader,
)
from tests.email.support import SITE_URL, path_of
from tests.factories import make_article

UNSUB_RE = re.compile(r"^不再接收(.+?)：(\S+)$", re.M)


@pytest.fixture(autouse=True)
def known_commenters(settings):
    """Comments show at once (no first-comment hold) unless a test says so."""
    settings(comments__hold_first="false")


def _subscribe(client, article, n=1, **extra):
    response = post_comment(client, article.public_id, notify="y", **reader(n), **extra)
    return comment_id_from(response, article.public_id)


def _reply(client, article, parent_id, n=2, **extra):
    fields = reader(n, body=f"这是第 {n} 位读者的回复，\n说得对。") | extra
    response = post_comment(
        client, article.public_id, parent_id=str(parent_id), **fields
    )
    return comment_id_from(response, article.public_id)


def _notices(messages):
    return [m for m in messages if "回复了你在" in m.subject]


def test_the_checkbox_is_off_by_default_and_opting_in_is_stored(app, client, article):
    _, inputs = read_form(client, article.public_id)
    page = parse(client.get(article_path(article.public_id)))
    box = page.select_one("form#comment-form input#notify[type=checkbox]")
    assert box is not None and not box.has_attr("checked")
    assert "notify" not in inputs
    assert page.select_one("label[for=notify]").get_text() == "有人回复时用邮件通知我"

    subscribed = _subscribe(client, article)
    plain = comment_id_from(
        post_comment(client, article.public_id, **reader(2)), article.public_id
    )

    with app.app_context():
        assert db.session.get(Comment, subscribed).notify_replies is True
        assert db.session.get(Comment, plain).notify_replies is False


def test_a_reply_mails_the_subscriber_once_with_article_quote_and_link(
    app, client, inbox, article
):
    parent = _subscribe(client, article)
    inbox.take()
    reply = _reply(client, article, parent)

    [mail] = _notices(inbox.take())

    assert mail.to == "reader1@example.cn"
    assert mail.subject == "[我的网站] 读者2 回复了你在《邮件审核测试文章》的评论"
    text = mail.text
    assert "《邮件审核测试文章》" in text
    assert "> 这是第 2 位读者的回复，\n> 说得对。" in text
    assert "> 写得很好，第 1 次来看。" in text  # their own comment, for context
    assert f"查看并回复：{SITE_URL}/{article.public_id}.html#comment-{reply}" in text
    links = dict(UNSUB_RE.findall(text))
    assert set(links) == {"《邮件审核测试文章》下的回复提醒", "我的网站的任何回复提醒"}
    thread = links["《邮件审核测试文章》下的回复提醒"]
    assert mail.message["List-Unsubscribe"] == f"<{thread}>"
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Approving it again (after an unapprove) sends nothing more.
    with app.app_context():
        apply_action([reply], "unapprove", None)
        apply_action([reply], "approve", None)
    assert _notices(inbox.take()) == []


def test_no_notice_without_opt_in_or_for_ones_own_reply(app, client, inbox, article):
    plain = comment_id_from(
        post_comment(client, article.public_id, **reader(1)), article.public_id
    )
    subscribed = _subscribe(client, article, 3)
    inbox.take()

    _reply(client, article, plain, 2)
    _reply(client, article, subscribed, 3, body="我自己补充一句。")

    assert _notices(inbox.take()) == []


def test_a_held_reply_is_notified_when_approved(app, client, inbox, article, settings):
    parent = _subscribe(client, article)
    settings(comments__require_approval="true")
    reply = _reply(client, article, parent)
    assert _notices(inbox.take()) == []  # not while it waits

    with app.app_context():
        apply_action([reply], "approve", None)

    [mail] = _notices(inbox.take())
    assert mail.to == "reader1@example.cn"
    assert f"#comment-{reply}" in mail.text


def test_an_editors_reply_from_the_queue_counts(app, client, inbox, article, staff):
    parent = _subscribe(client, article)
    inbox.take()

    with app.app_context():
        editor = db.session.get(User, staff["editor-user"])
        reply_as(parent, "谢谢指正，已经改好了。", editor)

    [mail] = _notices(inbox.take())
    assert mail.to == "reader1@example.cn"
    assert "> 谢谢指正，已经改好了。" in mail.text


def test_unsubscribing_from_a_thread_get_shows_post_acts(
    app, client, inbox, article, writer_article
):
    parent = _subscribe(client, article)
    elsewhere = _subscribe(client, writer_article)
    inbox.take()
    _reply(client, article, parent)
    [mail] = _notices(inbox.take())
    thread = path_of(
        dict(UNSUB_RE.findall(mail.text))["《邮件审核测试文章》下的回复提醒"]
    )

    page = client.get(thread)

    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    soup = parse(page)
    assert "《邮件审核测试文章》" in soup.select_one(".unsubscribe").get_text()
    assert "re***@example.cn" in soup.get_text()
    with app.app_context():  # a GET changes nothing
        assert db.session.get(Comment, parent).notify_replies is True

    done = client.post(soup.select_one("form[method=post]")["action"])

    assert done.status_code == 200
    assert "已退订" in parse(done).select_one(".unsubscribe-done").get_text()
    with app.app_context():
        assert db.session.get(Comment, parent).notify_replies is False
        assert db.session.get(Comment, elsewhere).notify_replies is True
    _reply(client, article, parent, 4)
    _reply(client, writer_article, elsewhere, 5)
    [still] = _notices(inbox.take())
    assert "另一篇文章" in still.subject


def test_unsubscribing_from_all_and_one_click(
    app, client, inbox, article, writer_article
):
    one = _subscribe(client, article)
    two = _subscribe(client, writer_article)
    with app.app_context():
        token = unsubscribe_token("reader1@example.cn", article.id)
    page = parse(client.get(f"/comments/unsubscribe/{token}"))
    every = page.select_one("form.unsubscribe-all")["action"]

    # RFC 8058: a mail client POSTs the List-Unsubscribe URL with this body.
    one_click = client.post(every, data={"List-Unsubscribe": "One-Click"})

    assert one_click.status_code == 200
    with app.app_context():
        assert db.session.get(Comment, one).notify_replies is False
        assert db.session.get(Comment, two).notify_replies is False
    inbox.take()
    _reply(client, article, one)
    _reply(client, writer_article, two, 3)
    assert _notices(inbox.take()) == []


def test_a_tampered_unsubscribe_link_is_refused(app, client, article):
    with app.app_context():
        token = unsubscribe_token("reader1@example.cn", article.id)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    assert client.get(f"/comments/unsubscribe/{forged}").status_code == 400
    assert client.post(f"/comments/unsubscribe/{forged}").status_code == 400


def test_notices_are_limited_per_address_and_hour(
    app, client, inbox, article, settings
):
    settings(notify__reply_per_hour="2")
    parent = _subscribe(client, article)
    inbox.take()

    for n in range(2, 6):
        _reply(client, article, parent, n)

    assert len(_notices(inbox.take())) == 2
    with app.app_context():
        queued = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == REPLY_KIND)
        ).all()
        assert len(queued) == 2


def test_owner_gets_a_message_per_new_comment_not_for_spam_or_staff(
    app, client, inbox, article, settings, staff
):
    settings(notify__owner_email="owner@example.cn")

    comment = comment_id_from(
        post_comment(client, article.public_id, **reader(1)), article.public_id
    )
    with app.app_context():
        reply_as(comment, "站长的回复", db.session.get(User, staff["boss"]))

    owner = [m for m in inbox.take() if m.to == "owner@example.cn"]
    [mail] = owner
    assert mail.subject == "[我的网站] 《邮件审核测试文章》有新评论（已显示）"
    assert "读者1：" in mail.text and "> 写得很好，第 1 次来看。" in mail.text
    assert f"{SITE_URL}/{article.public_id}.html#comment-{comment}" in mail.text


@pytest.fixture
def writer_article(app, article):
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == "writer"))
        return make_article(title="另一篇文章", owner=owner)


def test_existing_comments_are_not_subscribed(app, article):
    from tests.factories import make_comment

    with app.app_context():
        comment = make_comment(article)
        assert db.session.get(Comment, comment.id).notify_replies is False
        assert comment.status == CommentStatus.APPROVED
