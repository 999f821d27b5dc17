"""The services announce what changed: each use case emits its event once,
after commit, naming what changed; a refused change announces nothing."""

from __future__ import annotations

import pytest

from cms.events import (
    AFTER_COMMIT,
    ArticleChanged,
    SettingsChanged,
    UserChanged,
    subscribe,
)
from cms.models import Role
from cms.services import article_workflow, editorial, profiles, settings, users
from cms.services.article_edits import ArticleEdit
from cms.services.errors import FieldError, NotAllowed
from tests.factories import make_article, make_user


@pytest.fixture
def heard(app, ctx):
    """Events delivered after commit, per type."""
    got: dict[type, list] = {ArticleChanged: [], SettingsChanged: [], UserChanged: []}
    for kind, seen in got.items():
        subscribe(app, kind, seen.append, AFTER_COMMIT)
    return got


def test_article_workflow_names_changed_fields_and_statuses(heard):
    editor = make_user("ed", Role.EDITOR)
    heard[UserChanged].clear()
    article = editorial.create(editor, ArticleEdit("初稿", "正文"))
    assert heard[ArticleChanged] == [
        ArticleChanged(
            article.id, frozenset({"created"}), None, "draft", article.public_id
        )
    ]
    editorial.save(
        editor, article.id, ArticleEdit("定稿", "正文"), article.version, "publish"
    )
    last = heard[ArticleChanged][-1]
    assert last.fields >= {"title", "status", "published_at"}
    assert "body" not in last.fields
    assert (last.before_status, last.after_status) == ("draft", "published")
    article_workflow.trash(editor, article.id)
    assert heard[ArticleChanged][-1].after_status == "trash"
    assert len(heard[ArticleChanged]) == 3


def test_a_refused_article_change_announces_nothing(heard):
    writer = make_user("writer", Role.CONTRIBUTOR)
    article = editorial.create(writer, ArticleEdit("稿件", "正文"))
    heard[ArticleChanged].clear()
    with pytest.raises(NotAllowed):
        editorial.save(
            writer, article.id, ArticleEdit("稿件", "改"), article.version, "publish"
        )
    assert heard[ArticleChanged] == []


def test_articles_created_outside_the_editor_are_announced(heard):
    article = make_article("导入的文章")
    assert heard[ArticleChanged][-1].fields == frozenset({"created"})
    assert heard[ArticleChanged][-1].article_id == article.id


def test_settings_name_only_the_keys_that_changed(heard):
    admin = make_user("root", Role.ADMIN)
    current = settings.current_settings()["site.name"]
    settings.update_settings({"site.name": "新站名", "site.footer": ""}, admin)
    assert [e.keys for e in heard[SettingsChanged]] == [frozenset({"site.name"})]
    settings.update_settings({"site.name": "新站名"}, admin)
    assert len(heard[SettingsChanged]) == 1, "nothing changed, nothing announced"
    assert current != "新站名"


def test_accounts_announce_creation_profile_role_and_password(heard):
    admin = make_user("root", Role.ADMIN)
    writer = make_user("writer")
    assert heard[UserChanged][-1] == UserChanged(writer.id, frozenset({"created"}))
    profiles.update_profile(
        writer.id, profiles.ProfileInput("笔名", writer.bio or "", "", "", "")
    )
    assert heard[UserChanged][-1].fields == frozenset({"display_name"})
    users.edit_account(
        writer.id, admin, users.AccountEdit("笔名", None, "editor", True)
    )
    assert heard[UserChanged][-1].fields == frozenset({"role"})
    users.set_password_by_admin(writer.id, admin, "a much longer passphrase 42")
    assert heard[UserChanged][-1] == UserChanged(writer.id, frozenset({"password"}))
    count = len(heard[UserChanged])
    with pytest.raises(FieldError):
        users.set_password_by_admin(writer.id, admin, "123")
    assert len(heard[UserChanged]) == count
