"""The version people read (第 N 版) counts versions of the article, not
every change: a new article published in one step, or a draft published as
it is, is 第 1 版; an edit makes the next one. The `version` column that
guards against lost updates still moves with every change."""

from __future__ import annotations

from tests.posts.support import (
    editor_values,
    form_data,
    parse,
    revision_numbers,
    stored,
)


def _edition_shown(client, article_id: int) -> str:
    soup = parse(client.get(f"/moderation/posts/{article_id}"))
    spans = [s.get_text() for s in soup.select(".edit-meta span")]
    return next(s for s in spans if s.startswith("第 "))


def _revisions_page(client, article_id: int):
    soup = parse(client.get(f"/moderation/posts/{article_id}/revisions"))
    current = [s.get_text() for s in soup.select(".edit-meta span")]
    rows = [
        (r.select("td")[0].get_text(), r.select("td")[5].get_text())
        for r in soup.select(".revision-table tbody tr")
    ]
    return current, rows


def test_created_and_published_in_one_step_is_the_first_version(app, as_editor):
    response = as_editor.post("/moderation/posts/new", data=form_data(do="publish"))
    assert response.status_code == 303
    article_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    assert _edition_shown(as_editor, article_id) == "第 1 版"
    current, rows = _revisions_page(as_editor, article_id)
    assert "当前第 1 版" in current
    assert rows == [("第 1 版", "新建，发布")]
    with app.app_context():
        assert revision_numbers(article_id) == [1]


def test_a_draft_published_as_it_is_stays_the_first_version(app, as_editor):
    response = as_editor.post("/moderation/posts/new", data=form_data(do="save"))
    article_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert _edition_shown(as_editor, article_id) == "第 1 版"
    values = editor_values(parse(as_editor.get(f"/moderation/posts/{article_id}")))

    response = as_editor.post(
        f"/moderation/posts/{article_id}", data=values | {"do": "publish"}
    )

    assert response.status_code == 303
    assert _edition_shown(as_editor, article_id) == "第 1 版"
    current, rows = _revisions_page(as_editor, article_id)
    assert "当前第 1 版" in current
    assert rows == [("第 1 版", "新建，发布")]
    with app.app_context():
        article = stored(article_id)
        assert article.status.value == "published"
        assert article.version == 2  # the lost-update check still counts it
        assert revision_numbers(article_id) == [1]


def test_an_edit_after_publishing_is_the_second_version(app, as_editor):
    response = as_editor.post("/moderation/posts/new", data=form_data(do="publish"))
    article_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    values = editor_values(parse(as_editor.get(f"/moderation/posts/{article_id}")))

    response = as_editor.post(
        f"/moderation/posts/{article_id}",
        data=values | {"body": "改过的正文。", "do": "publish"},
    )

    assert response.status_code == 303
    assert _edition_shown(as_editor, article_id) == "第 2 版"
    current, rows = _revisions_page(as_editor, article_id)
    assert "当前第 2 版" in current
    assert [number for number, _ in rows] == ["第 2 版", "第 1 版"]


def test_a_stale_form_is_still_refused_after_a_status_move(app, as_editor):
    """Publishing a draft as it is keeps 第 1 版 but still moves the
    version column: a form loaded before it meets the version check."""
    response = as_editor.post("/moderation/posts/new", data=form_data(do="save"))
    article_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    old = editor_values(parse(as_editor.get(f"/moderation/posts/{article_id}")))
    as_editor.post(f"/moderation/posts/{article_id}", data=old | {"do": "publish"})

    response = as_editor.post(
        f"/moderation/posts/{article_id}", data=old | {"body": "迟到的修改。"}
    )

    assert response.status_code == 409
    with app.app_context():
        assert stored(article_id).body_markdown == "第一段。\n\n第二段。"
