"""Every action the audit log can record, recorded through the area's own
routes (each route of tests/moderation/routes.py, posted by an admin) and the
services the area does not reach, then read on the audit page: each entry in
Chinese, with no raw field names and no empty "before" lines."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import AuditEntry, User
from cms.services.audit_actions import ACTION_LABELS
from tests.moderation.routes import make_targets, moderation_rules, request_for


@pytest.fixture
def app_config(app_config):
    """Mail "configured" (rows are only queued: nothing is delivered here)."""
    return app_config | {"MAIL_URL": "smtp://127.0.0.1:9"}


# A raw field name: an identifier with an underscore, or an English key
# before a colon ("title: …"); and the change keys must be in words.
RAW_NAME = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]+: ")
# Words an entry may show as they are: addresses, keys people typed …
ALLOWED_ASCII = re.compile(r"https?://\S+|[\w.+-]+@[\w.-]+|#\d+|\d+")


def _record_everything(app, client, targets) -> None:
    for endpoint, methods in moderation_rules(app):
        if "POST" not in methods:
            continue
        path, query, data = request_for(app, endpoint, targets)
        client.post(path, query_string=query, data=data)


def _forced_media_delete(admin: User, article_id: int) -> None:
    """An upload an article shows, deleted all the same (forced)."""
    from cms.database import write_transaction
    from cms.models import article_media
    from cms.services.media_library import delete_upload
    from tests.moderation.routes import _media_row

    media_id = _media_row(admin)
    with write_transaction():
        db.session.execute(
            article_media.insert().values(article_id=article_id, media_id=media_id)
        )
    delete_upload(media_id, admin, force=True)


def _extra_actions(app, admin_name: str) -> None:
    """The actions no sample route records."""
    from cms.services import article_workflow, editorial, password_reset
    from cms.services.article_edits import ArticleEdit
    from cms.services.categories import create_category, move_category
    from cms.services.commenters import erase_commenter, pin_comment
    from cms.services.moderation import apply_action
    from cms.services.page_edits import PageInput
    from cms.services.pages import create_page, publish_page, unpublish_page
    from cms.services.users import AccountEdit, create_user, edit_account
    from tests.conftest import PASSWORD
    from tests.factories import make_article, make_comment

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == admin_name))
        article = make_article(title="审计测试", owner=admin)
        _forced_media_delete(admin, article.id)
        comment = make_comment(article)
        pin_comment(comment.id, True, admin)
        pin_comment(comment.id, False, admin)
        held = make_comment(article, status="pending").id
        for action in ("approve", "unapprove", "trash", "restore", "trash", "delete"):
            apply_action([held], action, admin)
        made = editorial.create(
            admin, ArticleEdit(title="将被恢复", body_markdown="一")
        )
        editorial.save(
            admin, made.id, ArticleEdit(title="将被恢复", body_markdown="二"), 1
        )
        article_workflow.restore_revision(admin, made.id, 1)
        edit = ArticleEdit(title="发布又撤回", body_markdown="正文")
        published = editorial.create(admin, edit, "publish")
        editorial.save(admin, published.id, edit, published.version, "unpublish")
        page = create_page(PageInput("审计页面", "正文", slug="audit-page"), admin)
        publish_page(page.id, admin)
        unpublish_page(page.id, admin)
        parent = create_category("上级分类", admin)
        child = create_category("下级分类", admin)
        move_category(child.id, parent.id, admin)
        make_comment(article, author_email="gone@example.cn")
        make_comment(article, author_email="blank@example.cn")
        erase_commenter("gone@example.cn", "comments", admin)
        erase_commenter("blank@example.cn", "personal", admin)
        someone = create_user(
            "audit-walker", "contributor", PASSWORD, email="s@example.cn"
        )
        edit_account(
            someone.id, admin, AccountEdit("某人", "s@example.cn", "editor", True)
        )
        edit_account(
            someone.id, admin, AccountEdit("某人", "s@example.cn", "editor", False)
        )
        edit_account(
            someone.id, admin, AccountEdit("某人", "s@example.cn", "editor", True)
        )
        edit_account(
            someone.id, admin, AccountEdit("某某", "s@example.cn", "editor", True)
        )
        password_reset.send_reset_link(someone.id, admin)
        token = password_reset.issue_token(someone)
        password_reset.reset_password(token, "another good passphrase 42")
        _two_factor_actions(someone.id)


def _two_factor_actions(user_id: int) -> None:
    """Two-factor login turned on, its recovery codes renewed, turned off
    (each with a code of its own step: a code works once), turned on again
    and reset by the server operator."""
    import pyotp

    from cms.services import two_factor

    secret, now = two_factor.new_secret(), 1_800_000_000.0
    code = pyotp.TOTP(secret).generate_otp
    step = int(now // 30)
    two_factor.enable_two_factor(user_id, secret, code(step), now)
    two_factor.renew_recovery_codes(user_id, code(step + 1), now + 30)
    two_factor.disable_two_factor(user_id, code(step + 2), now + 60)
    two_factor.enable_two_factor(user_id, secret, code(step + 3), now + 90)
    two_factor.reset_two_factor(db.session.get(User, user_id).username)


def _pages(client):
    """Every page of the audit log, newest first."""
    path = "/moderation/audit"
    while path:
        soup = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        yield soup
        more = soup.select_one("a[rel=next]")
        path = more["href"] if more else None


def test_every_recorded_action_reads_in_chinese(app, client, login, admin, contributor):
    with app.app_context():
        targets = make_targets(contributor)
    assert login(admin).status_code == 303
    _record_everything(app, client, targets)
    _extra_actions(app, admin)

    with app.app_context():
        recorded = set(db.session.scalars(select(AuditEntry.action)))
    missing = set(ACTION_LABELS) - recorded
    assert not missing, f"no route or service of this test records {sorted(missing)}"

    seen, wrong = set(), []
    for soup in _pages(client):
        for row in soup.select("tr[data-entry]"):
            action = row.select_one(".audit-action").get_text(" ", strip=True)
            seen.add(action)
            text = " ".join(
                row.select_one(f".audit-{part}").get_text(" ", strip=True)
                for part in ("action", "targets", "changes")
            )
            plain = ALLOWED_ASCII.sub("", text)
            keys = [k.get_text() for k in row.select(".change-key")]
            if (
                RAW_NAME.search(plain)
                or "之前的状态: —" in text
                or any(re.search(r"[a-z]{2,}", ALLOWED_ASCII.sub("", k)) for k in keys)
            ):
                wrong.append(text)
    assert wrong == [], "\n".join(wrong)
    assert set(ACTION_LABELS.values()) <= seen
