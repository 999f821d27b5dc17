"""cms.services.editorial called directly: who may do what, the version
check (also between two racing saves), snapshots, and what each change
writes (one revision, one audit entry)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from cms.extensions import db
from cms.models import ArticleStatus, AuditEntry, Role, utcnow
from cms.services import article_access as access
from cms.services import article_edits, article_workflow, editorial
from cms.services.article_edits import ArticleEdit
from cms.services.errors import EditConflict, InvalidInput, NotAllowed, NotFound
from cms.services.revisions import get_revision
from tests.factories import make_user
from tests.posts.support import count, revision_numbers, stored

EDIT = ArticleEdit(title="标题", body_markdown="正文")


@pytest.fixture
def people(ctx):
    return {
        "admin": make_user("boss", Role.ADMIN, password=None),
        "editor": make_user("ed", Role.EDITOR, password=None),
        "a": make_user("writer-a", Role.CONTRIBUTOR, password=None),
        "b": make_user("writer-b", Role.CONTRIBUTOR, password=None),
    }


def test_who_may_see_edit_and_trash_what(people):
    a, b, editor = people["a"], people["b"], people["editor"]
    draft = editorial.create(a, EDIT)
    pending = editorial.create(a, EDIT, "submit")
    published = editorial.create(editor, EDIT, "publish")

    assert access.can_view(a, draft) and not access.can_view(b, draft)
    assert access.can_edit(a, draft) and access.can_edit(a, pending)
    assert not access.can_edit(b, draft)
    assert access.can_trash(a, draft) and not access.can_trash(a, pending)
    assert not access.can_view(a, published)
    for staff in (people["admin"], editor):
        assert all(access.can_edit(staff, x) for x in (draft, pending, published))
    with pytest.raises(NotFound):
        access.article_for(b, draft.id)
    with pytest.raises(NotFound):
        editorial.save(b, draft.id, EDIT, 1)
    with pytest.raises(NotFound):
        article_workflow.trash(b, draft.id)
    assert stored(draft.id).version == 1


def test_contributors_never_publish(people):
    a = people["a"]
    with pytest.raises(NotAllowed):
        editorial.create(a, EDIT, "publish")
    draft = editorial.create(a, EDIT)
    with pytest.raises(NotAllowed):
        editorial.save(a, draft.id, EDIT, 1, "publish")
    with pytest.raises(NotAllowed):
        article_workflow.send_back(a, editorial.create(a, EDIT, "submit").id, "理由")
    with pytest.raises(NotAllowed):
        article_workflow.restore_revision(a, draft.id, 1)
    assert stored(draft.id).status == ArticleStatus.DRAFT


def test_staff_fields_are_ignored_for_contributors(people):
    a = people["a"]
    edit = ArticleEdit(
        title="t",
        body_markdown="b",
        contributor="冒名",
        published_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    article = editorial.create(a, edit)
    editorial.save(a, article.id, edit, 1)
    article = stored(article.id)
    assert (article.contributor, article.published_at) == ("", None)
    assert article.owner_id == a.id


def test_a_stale_version_raises_with_the_saved_state_and_stores_nothing(people):
    editor = people["editor"]
    article = editorial.create(editor, EDIT)
    editorial.save(editor, article.id, ArticleEdit("新标题", "新正文"), 1)

    with pytest.raises(EditConflict) as caught:
        editorial.save(editor, article.id, ArticleEdit("迟到的", "迟到的正文"), 1)

    assert caught.value.version == 2
    assert caught.value.current.title == "新标题"
    assert caught.value.current.body_markdown == "新正文"
    assert stored(article.id).title == "新标题"
    assert revision_numbers(article.id) == [1, 2]
    assert db.session.query(AuditEntry).count() == 2


def test_snapshot_fields(people):
    editor = people["editor"]
    when = datetime(2030, 5, 1, 0, 30, tzinfo=UTC)
    article = editorial.create(
        editor,
        ArticleEdit(
            "t",
            "b",
            excerpt="e",
            tags=("乙", "甲", "乙"),
            contributor="张三",
            published_at=when,
            allow_comments=False,
            show_tip=False,
        ),
        "publish",
    )

    snapshot = article_edits.snapshot_of(stored(article.id))

    assert (snapshot.title, snapshot.body_markdown, snapshot.excerpt) == ("t", "b", "e")
    assert snapshot.fields == {
        "category": None,
        "tags": ["乙", "甲"],
        "contributor": "张三",
        "status": "published",
        "published_at": "2030-05-01T00:30:00+00:00",
        "allow_comments": False,
        "show_tip": False,
        "source": "original",
        "source_url": "",
    }
    assert access.is_scheduled(stored(article.id))


def test_every_change_writes_one_audit_entry_and_edits_one_revision(people):
    editor, a = people["editor"], people["a"]
    article = editorial.create(a, EDIT, "submit")  # create + submit
    article_workflow.send_back(editor, article.id, "再想想")
    editorial.save(a, article.id, EDIT, 3, "submit")
    editorial.save(editor, article.id, EDIT, 4, "publish")
    editorial.save(editor, article.id, EDIT, 5, "unpublish")
    article_workflow.trash(editor, article.id)
    article_workflow.restore(editor, article.id)
    article_workflow.restore_revision(editor, article.id, 1)

    # Moves of the workflow that change nothing else amend the newest
    # revision (第 1 版); bringing revision 1 back is a version of its own.
    assert revision_numbers(article.id) == [1, 2]
    first = get_revision("article", article.id, 1)
    assert first.note.split("，") == [
        "新建", "投稿", "退回", "投稿", "发布",
        "撤回为草稿", "移到回收站", "从回收站恢复",
    ]  # fmt: skip
    assert first.fields["status"] == "draft"
    entries = db.session.query(AuditEntry).order_by(AuditEntry.id).all()
    assert [e.action for e in entries] == [
        "article-create",
        "article-submit",
        "article-send-back",
        "article-submit",
        "article-publish",
        "article-unpublish",
        "article-trash",
        "article-restore",
        "article-revision-restore",
    ]
    assert [e.changes[str(article.id)]["to"] for e in entries] == [
        "draft",
        "pending",
        "draft",
        "pending",
        "published",
        "draft",
        "trash",
        "draft",
        "draft",
    ]
    assert stored(article.id).version == 9


def test_bad_edits_are_refused_before_anything_is_stored(people):
    editor = people["editor"]
    for edit in (
        ArticleEdit("", "b"),
        ArticleEdit("长" * 201, "b"),
        ArticleEdit("t", "b", tags=tuple(str(i) for i in range(21))),
        ArticleEdit("t", "b", published_at=datetime(2030, 1, 1)),
        ArticleEdit("t", "b", category_id=999),
    ):
        with pytest.raises(InvalidInput):
            editorial.create(editor, edit)
    assert count() == 0


def test_publishing_without_a_time_publishes_now(people):
    article = editorial.create(people["editor"], EDIT, "publish")
    assert utcnow() - stored(article.id).published_at < timedelta(seconds=30)


def test_two_racing_saves_on_one_version_let_exactly_one_through(shared_app):
    """Two threads save the same loaded version at once: one is stored, the
    other gets EditConflict; never both (the check and the write are one
    locked step)."""
    with shared_app.app_context():
        editor = make_user("racer", Role.EDITOR, password=None)
        article_id = editorial.create(editor, EDIT).id
        editor_id = editor.id
    barrier = threading.Barrier(2)
    results: list[str] = []

    def save(title: str) -> None:
        with shared_app.app_context():
            user = db.session.get(type(editor), editor_id)
            barrier.wait()
            try:
                editorial.save(user, article_id, ArticleEdit(title, "正文"), 1)
                results.append("saved")
            except EditConflict:
                results.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(t,)) for t in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["conflict", "saved"]
    with shared_app.app_context():
        assert stored(article_id).version == 2
        assert revision_numbers(article_id) == [1, 2]
