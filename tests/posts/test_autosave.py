"""The editor's autosave: a copy per writer and article on the server,
offered back on reopen, restored into the form with the version it was based
on (so a newer saved version is never overwritten unseen), dropped by a save
or a discard; never for an article the writer may not edit."""

from __future__ import annotations

from cms.extensions import db
from cms.models import Article, Autosave
from tests.posts.support import form_data, parse


def _autosave(client, article_id, **fields):
    path = (
        f"/moderation/posts/{article_id}/autosave"
        if article_id
        else ("/moderation/posts/autosave")
    )
    return client.post(path, data=fields)


def test_a_copy_is_kept_offered_and_restored(app, as_editor, editor, write):
    article_id = write(editor, title="原标题", body="原正文")

    answer = _autosave(
        as_editor, article_id, title="新标题", body="写到一半", version="1"
    )

    assert answer.status_code == 200 and "saved_at" in answer.get_json()
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert (article.title, article.body_markdown) == ("原标题", "原正文")
    page = parse(as_editor.get(f"/moderation/posts/{article_id}"))
    offer = page.select_one(".autosave-offer")
    assert "自动保存的内容" in offer.get_text()
    restore = offer.select_one("a")["href"]

    restored = parse(as_editor.get(restore))

    assert restored.select_one("input[name=title]")["value"] == "新标题"
    assert "写到一半" in restored.select_one("textarea[name=body]").get_text()
    assert restored.select_one("input[name=version]")["value"] == "1"
    saved = as_editor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(title="新标题", body="写到一半", version="1"),
    )
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.scalars(db.select(Autosave)).all() == []  # a save drops it
    assert (
        parse(as_editor.get(f"/moderation/posts/{article_id}")).select_one(
            ".autosave-offer"
        )
        is None
    )


def test_restoring_never_overwrites_a_newer_version(
    app, as_editor, as_admin, editor, write
):
    article_id = write(editor, title="标题", body="第一版")
    _autosave(as_editor, article_id, title="标题", body="我的草稿", version="1")
    # Someone else saves version 2 meanwhile.
    assert (
        as_admin.post(
            f"/moderation/posts/{article_id}",
            data=form_data(title="标题", body="别人的第二版", version="1"),
        ).status_code
        == 303
    )

    page = parse(as_editor.get(f"/moderation/posts/{article_id}"))
    assert "又被保存过" in page.select_one(".autosave-offer").get_text()
    restored = parse(as_editor.get(f"/moderation/posts/{article_id}?restore=1"))
    version = restored.select_one("input[name=version]")["value"]
    assert version == "1"

    answer = as_editor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(title="标题", body="我的草稿", version=version),
    )

    assert answer.status_code == 409  # the version check, with the differences
    with app.app_context():
        assert db.session.get(Article, article_id).body_markdown == "别人的第二版"


def test_a_new_articles_copy_and_discard(app, as_editor):
    assert (
        _autosave(as_editor, None, title="还没保存", body="新文章草稿").status_code
        == 200
    )

    page = parse(as_editor.get("/moderation/posts/new"))
    assert page.select_one(".autosave-offer") is not None
    discard = page.select_one("form#autosave-discard")["action"]
    assert as_editor.post(discard).status_code == 303

    assert (
        parse(as_editor.get("/moderation/posts/new")).select_one(".autosave-offer")
        is None
    )


def test_copies_are_per_writer_and_only_for_articles_they_may_edit(
    app, as_editor, as_other, editor, write
):
    article_id = write(editor, title="编辑的文章", body="正文")
    _autosave(as_editor, article_id, title="编辑的文章", body="编辑的草稿", version="1")

    # Another writer (a contributor) neither sees it nor may autosave there.
    assert as_other.get(f"/moderation/posts/{article_id}").status_code == 404
    assert _autosave(as_other, article_id, title="x", body="y").status_code == 404
    with app.app_context():
        assert len(db.session.scalars(db.select(Autosave)).all()) == 1
