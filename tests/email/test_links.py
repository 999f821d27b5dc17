"""The links in moderation e-mails: signed, single-use, 7 days; GET shows a
confirmation page and changes nothing, POST does the action as the editor."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from cms import create_app
from cms.extensions import db
from cms.models import AuditEntry, Comment, CommentStatus, UsedToken, User
from cms.services import action_links
from cms.services.action_links import LinkUsed, issue_link, use_link
from cms.services.moderation import apply_action
from cms.services.users import create_user
from tests.comments.support import (
    comment_id_from,
    form_inputs,
    parse,
    post_comment,
    reader,
    stored_count,
)
from tests.email.support import craft_link, link_payload, links_by_label
from tests.factories import make_article, make_comment

BODY = "好文！<script>alert(1)</script>\n详见 http://example.cn/x"


@dataclass(frozen=True)
class Held:
    """A held comment and the links each staff member got for it."""

    comment_id: int
    article_id: int
    links: dict[str, dict[str, str]]  # address -> label -> path

    def link(self, label: str, to: str = "editor@example.cn") -> str:
        return self.links[to][label]


@pytest.fixture
def held(client, inbox, article, staff) -> Held:
    response = post_comment(client, article.public_id, **reader(1, body=BODY))
    comment_id = comment_id_from(response, article.public_id)
    links = {mail.to: links_by_label(mail) for mail in inbox.take()}
    assert set(links) == {"boss@example.cn", "editor@example.cn"}
    return Held(comment_id, article.id, links)


def status_of(app, comment_id: int) -> CommentStatus:
    with app.app_context():
        return db.session.scalar(select(Comment.status).where(Comment.id == comment_id))


def count_of(app, article_id: int) -> int:
    with app.app_context():
        return stored_count(article_id)


def audit_entries(app) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        db.session.expunge_all()
        return entries


def held_article(app, held: Held):
    with app.app_context():
        return db.session.get(Comment, held.comment_id).article


def spent(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UsedToken))


def test_get_shows_a_confirmation_page_and_changes_nothing(app, client, held):
    for _ in range(2):  # mail scanners may open a link more than once
        response = client.get(held.link("批准"))
        assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = parse(response)
    section = page.select_one("section.email-action")
    assert section["data-action"] == "approve"
    assert section["data-comment-id"] == str(held.comment_id)
    assert "确认：批准这条评论" in page.h1.get_text()
    assert "邮件审核测试文章" in section.get_text()
    assert "读者1" in section.get_text() and "reader1@example.cn" in section.get_text()
    # The comment text through |comment_html: escaped, links made nofollow.
    text = section.select_one(".comment-text")
    assert text.select("script") == []
    assert "<script>alert(1)</script>" in text.get_text()
    assert text.select_one("a")["href"] == "http://example.cn/x"
    assert "nofollow" in text.select_one("a")["rel"]
    form = section.select_one("form[method=post]")
    assert form["action"] == held.link("批准")
    assert "csrf_token" in form_inputs(form)
    assert page.select_one("meta[name=robots]")["content"] == "noindex, nofollow"
    assert page.select_one("link[rel=canonical]") is None

    assert status_of(app, held.comment_id) == CommentStatus.PENDING
    assert count_of(app, held.article_id) == 0
    assert audit_entries(app) == [] and spent(app) == 0


def test_post_approves_as_the_editor_and_the_link_works_once(app, client, staff, held):
    response = client.post(held.link("批准"))
    assert response.status_code == 200
    page = parse(response)
    assert "已批准这条评论" in page.h1.get_text()
    assert page.select_one(".email-action a.button")["href"] == (
        f"/{held_article(app, held).public_id}.html#comment-{held.comment_id}"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert status_of(app, held.comment_id) == CommentStatus.APPROVED
    assert count_of(app, held.article_id) == 1
    [entry] = audit_entries(app)
    assert entry.action == "approve"
    assert entry.actor_id == staff["editor-user"]
    assert entry.target_ids == [held.comment_id]
    assert entry.reason.startswith("e-mail link from editor-user")
    assert entry.changes == {str(held.comment_id): {
        "from": "pending", "to": "approved", "previous": None}}  # fmt: skip
    with app.app_context():
        comment = db.session.get(Comment, held.comment_id)
        assert comment.moderated_by_id == staff["editor-user"]
    assert spent(app) == 1

    # The same link again: 410, and nothing changes.
    for method in (client.get, client.post):
        again = method(held.link("批准"))
        assert again.status_code == 410
        assert "已经用过了" in again.get_data(as_text=True)
    assert status_of(app, held.comment_id) == CommentStatus.APPROVED
    assert count_of(app, held.article_id) == 1
    assert len(audit_entries(app)) == 1 and spent(app) == 1


@pytest.mark.parametrize(
    ("label", "status"), [("垃圾", CommentStatus.SPAM), ("回收站", CommentStatus.TRASH)]
)
def test_spam_and_trash_links(app, client, staff, held, label, status):
    assert client.get(held.link(label)).status_code == 200
    assert status_of(app, held.comment_id) == CommentStatus.PENDING
    response = client.post(held.link(label))
    assert response.status_code == 200
    assert status_of(app, held.comment_id) == status
    assert count_of(app, held.article_id) == 0
    [entry] = audit_entries(app)
    assert entry.action == {"垃圾": "spam", "回收站": "trash"}[label]
    assert entry.actor_id == staff["editor-user"]
    assert client.post(held.link(label)).status_code == 410
    assert status_of(app, held.comment_id) == status
    assert len(audit_entries(app)) == 1


def test_each_link_is_its_own_the_admins_work_after_the_editors(
    app, client, staff, held
):
    assert client.post(held.link("批准")).status_code == 200
    # The admin's approve link: still valid, changes nothing.
    response = client.post(held.link("批准", to="boss@example.cn"))
    assert response.status_code == 200
    assert "没有变化" in parse(response).h1.get_text()
    # The admin's trash link, opened later: the page warns, the POST moves it.
    page = client.get(held.link("回收站", to="boss@example.cn"))
    assert "已经有人处理过了" in page.get_data(as_text=True)
    assert client.post(held.link("回收站", to="boss@example.cn")).status_code == 200
    assert status_of(app, held.comment_id) == CommentStatus.TRASH
    assert count_of(app, held.article_id) == 0
    actors = [e.actor_id for e in audit_entries(app)]
    assert actors == [staff["editor-user"], staff["boss"]]


def _tampered(path: str) -> list[str]:
    token = path.rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    return [
        f"/moderation-mail/{payload}.{stamp}.{flipped}",  # signature altered
        f"/moderation-mail/{payload[:-1]}.{stamp}.{signature}",  # payload altered
        f"/moderation-mail/{payload}.{stamp}",  # cut short
        "/moderation-mail/not-a-token",
    ]


def test_a_tampered_link_is_refused_with_400(app, client, held):
    for path in _tampered(held.link("批准")):
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 400, path
            assert "链接无效" in response.get_data(as_text=True)
    assert status_of(app, held.comment_id) == CommentStatus.PENDING
    assert audit_entries(app) == [] and spent(app) == 0


def test_a_link_signed_with_another_key_is_refused(app, client, staff, held):
    payload = {"c": held.comment_id, "a": "approve", "u": staff["boss"], "t": "x"}
    token = craft_link("another-key", payload, 0, action_links._SALT)
    assert client.post(f"/moderation-mail/{token}").status_code == 400
    assert status_of(app, held.comment_id) == CommentStatus.PENDING


@pytest.mark.parametrize(
    "payload",
    [
        {"c": 1, "a": "delete", "u": 1, "t": "x"},  # an action links never carry
        {"c": "1", "a": "approve", "u": 1, "t": "x"},
        {"c": 1, "a": "approve", "u": 1},
        ["approve", 1],
    ],
)
def test_a_well_signed_but_malformed_payload_is_refused(app, client, held, payload):
    token = craft_link(app.config["SECRET_KEY"], payload, 0, action_links._SALT)
    assert client.post(f"/moderation-mail/{token}").status_code == 400
    assert status_of(app, held.comment_id) == CommentStatus.PENDING


def test_an_expired_link_is_refused_with_400(app, client, held):
    payload = link_payload("http://cms.test" + held.link("批准"))
    week = 7 * 24 * 3600
    old = craft_link(app.config["SECRET_KEY"], payload, week + 60, action_links._SALT)
    for method in (client.get, client.post):
        response = method(f"/moderation-mail/{old}")
        assert response.status_code == 400
        assert "已过期" in response.get_data(as_text=True)
    assert status_of(app, held.comment_id) == CommentStatus.PENDING
    # Just inside the week it still works.
    fresh = craft_link(app.config["SECRET_KEY"], payload, week - 60, action_links._SALT)
    assert client.post(f"/moderation-mail/{fresh}").status_code == 200
    assert status_of(app, held.comment_id) == CommentStatus.APPROVED


def test_a_link_of_a_deactivated_editor_is_refused_with_403(app, client, staff, held):
    with app.app_context():
        db.session.get(User, staff["editor-user"]).active = False
        db.session.commit()
    assert client.get(held.link("批准")).status_code == 403
    assert client.post(held.link("批准")).status_code == 403
    assert status_of(app, held.comment_id) == CommentStatus.PENDING
    assert client.post(held.link("批准", to="boss@example.cn")).status_code == 200


def test_a_link_to_a_deleted_comment_answers_410(app, client, staff, held):
    with app.app_context():
        apply_action([held.comment_id], "trash", None)
        apply_action([held.comment_id], "delete", None)
    assert client.get(held.link("批准")).status_code == 410
    assert client.post(held.link("批准")).status_code == 410


def test_a_link_spent_by_a_racing_request_changes_nothing(
    app, staff, held, monkeypatch
):
    """Another request spends the link between this one's check and its
    action: the action rolls back with the failed spend."""
    real_read = action_links.read_link

    def read_then_lose_the_race(token):
        link = real_read(token)
        db.session.add(UsedToken(token_id=link.token_id))
        db.session.commit()
        return link

    monkeypatch.setattr(action_links, "read_link", read_then_lose_the_race)
    token = held.link("批准").rsplit("/", 1)[1]
    with app.app_context(), pytest.raises(LinkUsed):
        use_link(token)
    assert status_of(app, held.comment_id) == CommentStatus.PENDING
    assert count_of(app, held.article_id) == 0
    assert audit_entries(app) == []


@pytest.fixture
def shared_app(request, app_config, tmp_path):
    """An app whose database several connections see: PostgreSQL's when the
    run uses it, else a SQLite file (in-memory SQLite has one connection)."""
    if app_config["SQLALCHEMY_DATABASE_URI"] != "sqlite://":
        yield request.getfixturevalue("app")
        return
    app_config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'race.sqlite'}"
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_two_requests_at_once_one_wins(shared_app):
    """Two servers POST the same link at the same moment: exactly one acts."""
    app = shared_app
    with app.app_context():
        editor = create_user("racer", "editor", None, email="racer@example.cn")
        article = make_article(owner=editor)
        comment = make_comment(article, status="pending")
        token = issue_link(comment.id, "approve", editor.id)
        comment_id, article_id = comment.id, article.id
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt():
        with app.app_context():
            barrier.wait()
            try:
                use_link(token)
                results.append("ok")
            except LinkUsed:
                results.append("used")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "used"]
    assert status_of(app, comment_id) == CommentStatus.APPROVED
    assert count_of(app, article_id) == 1
    assert len(audit_entries(app)) == 1
    assert spent(app) == 1


def test_issue_link_refuses_other_actions(app):
    with app.app_context(), pytest.raises(action_links.InvalidInput):
        issue_link(1, "delete", 1)


def test_with_csrf_on_the_post_needs_the_pages_token(app, client, held):
    app.config["WTF_CSRF_ENABLED"] = True
    path = held.link("批准")
    assert client.post(path).status_code == 400  # no token
    assert status_of(app, held.comment_id) == CommentStatus.PENDING
    page = client.get(path)
    assert page.status_code == 200
    data = form_inputs(parse(page).select_one("section.email-action form"))
    assert data["csrf_token"]
    assert client.post(path, data=data).status_code == 200
    assert status_of(app, held.comment_id) == CommentStatus.APPROVED
