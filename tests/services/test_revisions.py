"""cms.services.revisions: numbered snapshots per document, and comparisons."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from cms.database import write_transaction
from cms.extensions import db
from cms.services.errors import NotFound
from cms.services.revisions import (
    Snapshot,
    compare,
    forget_revisions,
    get_revision,
    record_revision,
    revisions_of,
)
from tests.factories import make_user


def keep(target_type, target_id, snapshot, author=None, note=""):
    with write_transaction():
        return record_revision(target_type, target_id, snapshot, author, note)


def test_revisions_are_numbered_per_document_and_listed_newest_first(ctx):
    editor = make_user()
    keep("article", 1, Snapshot("一", "正文一"), editor, "save")
    keep("article", 1, Snapshot("二", "正文二", fields={"tags": ["甲"]}), editor)
    keep("page", 1, Snapshot("关于我们", "页面"))  # another kind, same id

    listed = revisions_of("article", 1)

    assert [r.number for r in listed] == [2, 1]
    assert [r.number for r in revisions_of("page", 1)] == [1]
    assert listed[0].author.id == editor.id and listed[1].note == "save"
    assert Snapshot.of(get_revision("article", 1, 2)) == Snapshot(
        "二", "正文二", "", {"tags": ["甲"]}
    )


def test_an_unknown_revision_is_not_found(ctx):
    keep("article", 1, Snapshot("一", ""))
    with pytest.raises(NotFound):
        get_revision("article", 1, 2)
    with pytest.raises(NotFound):
        get_revision("page", 1, 1)


def test_one_number_cannot_be_taken_twice(ctx):
    first = keep("article", 7, Snapshot("一", ""))
    with pytest.raises(IntegrityError), write_transaction():
        db.session.add(
            type(first)(target_type="article", target_id=7, number=1, title="x")
        )
    assert len(revisions_of("article", 7)) == 1


def test_forget_removes_only_that_documents_revisions(ctx):
    keep("article", 1, Snapshot("一", ""))
    keep("article", 2, Snapshot("二", ""))
    with write_transaction():
        forget_revisions("article", 1)
    assert revisions_of("article", 1) == []
    assert len(revisions_of("article", 2)) == 1


def test_compare_names_what_changed():
    old = Snapshot("标题", "第一段\n第二段", "摘要", {"status": "draft", "tags": ["a"]})
    new = Snapshot(
        "新标题", "第一段\n第二段改", "摘要", {"status": "pending", "tags": ["a"]}
    )

    result = compare(old, new)

    assert result.title == ("标题", "新标题")
    assert [(d.kind, d.text) for d in result.body if d.kind != "same"] == [
        ("del", "第二段"),
        ("add", "第二段改"),
    ]
    assert result.excerpt == []
    assert [(f.name, f.old, f.new) for f in result.fields] == [
        ("status", "draft", "pending")
    ]
    assert not result.same
    assert compare(old, old).same
