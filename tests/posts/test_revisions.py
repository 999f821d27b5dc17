"""Revisions: every save keeps one (numbered 1..n), any two compare with
their changed lines, an old one comes back as a new revision; and the
version check: a save that arrives after someone else's is refused (409)
with the diff, the user's text kept, and saving again overwrites."""

from __future__ import annotations

import pytest

from cms.database import write_transaction
from cms.extensions import db
from cms.services.taxonomy import category_named
from tests.posts.support import (
    audit_actions,
    editor_values,
    form_data,
    parse,
    revision_numbers,
    stored,
    textarea_text,
)

BODY_1 = "第一行\n第二行\n第三行"
BODY_2 = "第一行\n第二行（改）\n第三行\n第四行"


@pytest.fixture
def category_ids(app):
    with app.app_context(), write_transaction():
        return category_named("信用卡").id, category_named("网贷").id


@pytest.fixture
def saved_three_times(app, as_editor, editor, write, category_ids):
    """Revision 1 (created), 2 (body and fields changed), 3 (title changed)."""
    first, second = category_ids
    article_id = write(
        editor, "原标题", body=BODY_1, category_id=first, tags=("甲", "乙")
    )
    path = f"/moderation/posts/{article_id}"
    response = as_editor.post(
        path,
        data=form_data(
            title="原标题",
            body=BODY_2,
            category=str(second),
            tags="乙、丙",
            allow_comments=None,
            version="1",
        ),
    )
    assert response.status_code == 303
    response = as_editor.post(
        path,
        data=form_data(
            title="新标题",
            body=BODY_2,
            category=str(second),
            tags="乙、丙",
            allow_comments=None,
            version="2",
        ),
    )
    assert response.status_code == 303
    return article_id


def test_each_save_keeps_one_revision(app, as_editor, saved_three_times):
    with app.app_context():
        assert revision_numbers(saved_three_times) == [1, 2, 3]
        assert stored(saved_three_times).version == 3
    soup = parse(as_editor.get(f"/moderation/posts/{saved_three_times}/revisions"))
    rows = soup.select(".revision-table tbody tr")
    assert [r["id"] for r in rows] == ["revision-3", "revision-2", "revision-1"]
    assert [r.select("td")[5].get_text(strip=True) for r in rows] == [
        "保存",
        "保存",
        "新建",
    ]
    # the newest and the one before are chosen for comparison
    assert soup.select_one("input[name=b][checked]")["value"] == "3"
    assert soup.select_one("input[name=a][checked]")["value"] == "2"


def test_diff_between_any_two_shows_the_changed_lines(as_editor, saved_three_times):
    response = as_editor.get(
        f"/moderation/posts/{saved_three_times}/diff", query_string={"a": 1, "b": 3}
    )

    assert response.status_code == 200
    soup = parse(response)
    added = [r.select_one(".diff-text").get_text() for r in soup.select("tr.diff-add")]
    deleted = [
        r.select_one(".diff-text").get_text() for r in soup.select("tr.diff-del")
    ]
    assert deleted == ["第二行"]
    assert added == ["第二行（改）", "第四行"]
    # + and − marks, not colour alone
    assert {
        r.select_one(".diff-mark").get_text() for r in soup.select("tr.diff-add")
    } == {"+新增"}
    assert (
        soup.select_one(".diff-title .diff-del")
        .get_text(" ", strip=True)
        .endswith("原标题")
    )
    assert (
        soup.select_one(".diff-title .diff-add")
        .get_text(" ", strip=True)
        .endswith("新标题")
    )
    fields = {
        row.select_one("th").get_text(): [td.get_text() for td in row.select("td")]
        for row in soup.select(".diff-fields tbody tr")
    }
    assert fields == {
        "分类": ["信用卡", "网贷"],
        "标签": ["乙、甲", "丙、乙"],
        "允许评论": ["是", "否"],
    }


def test_diff_of_two_saves_with_only_a_new_title(as_editor, saved_three_times):
    soup = parse(as_editor.get(f"/moderation/posts/{saved_three_times}/diff"))
    assert soup.select_one("h1").get_text() == "比较第 2 版与第 3 版"
    assert soup.select("tr.diff-add") == [] and soup.select(".diff-fields") == []
    assert soup.select_one(".diff-title")


@pytest.mark.parametrize(
    "query", [{"a": 1, "b": 9}, {"a": 0, "b": 1}, {"a": "x", "b": 1}, {"a": -1}]
)
def test_unknown_revision_numbers_are_404(as_editor, saved_three_times, query):
    path = f"/moderation/posts/{saved_three_times}/diff"
    assert as_editor.get(path, query_string=query).status_code == 404


def test_restoring_a_revision_brings_it_back_as_a_new_one(
    app, as_editor, saved_three_times, category_ids
):
    article_id = saved_three_times
    response = as_editor.post(f"/moderation/posts/{article_id}/revisions/1/restore")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/moderation/posts/{article_id}"
    with app.app_context():
        article = stored(article_id)
        assert article.title == "原标题"
        assert article.body_markdown == BODY_1
        assert "第二行（改）" not in article.body_html
        assert article.category_id == category_ids[0]
        assert sorted(t.name for t in article.tags) == ["乙", "甲"]
        assert article.allow_comments is True
        assert revision_numbers(article_id) == [1, 2, 3, 4]
        assert article.version == 4
        assert audit_actions(article_id)[-1] == "article-revision-restore"
    soup = parse(as_editor.get(f"/moderation/posts/{article_id}/revisions"))
    assert (
        soup.select_one("#revision-4 td:nth-of-type(6)").get_text() == "恢复到第 1 版"
    )
    # and the restore itself compares as "no change" with revision 1
    same = parse(as_editor.get(f"/moderation/posts/{article_id}/diff?a=1&b=4"))
    assert same.select_one(".diff .empty").get_text() == "两者内容相同。"


def test_restoring_when_the_category_is_gone_leaves_none(
    app, as_editor, saved_three_times, category_ids
):
    from cms.models import Category

    with app.app_context(), write_transaction():
        db.session.delete(db.session.get(Category, category_ids[0]))
    assert (
        as_editor.post(
            f"/moderation/posts/{saved_three_times}/revisions/1/restore"
        ).status_code
        == 303
    )
    with app.app_context():
        assert stored(saved_three_times).category_id is None


def test_restoring_an_unknown_revision_is_404(app, as_editor, saved_three_times):
    path = f"/moderation/posts/{saved_three_times}/revisions/99/restore"
    assert as_editor.post(path).status_code == 404
    with app.app_context():
        assert revision_numbers(saved_three_times) == [1, 2, 3]


def test_an_article_written_elsewhere_keeps_its_first_state(app, as_editor):
    from tests.factories import make_article

    with app.app_context():
        article_id = make_article(title="导入的文章", body="导入的正文").id
    soup = parse(as_editor.get(f"/moderation/posts/{article_id}/revisions"))
    assert "还没有历史版本" in soup.select_one(".empty").get_text()
    nothing = as_editor.get(f"/moderation/posts/{article_id}/diff")
    assert nothing.status_code == 200
    assert "还没有历史版本" in parse(nothing).select_one(".empty").get_text()
    assert as_editor.get(f"/moderation/posts/{article_id}/diff?a=1").status_code == 404

    response = as_editor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(title="导入的文章", body="编辑过的正文", version="1"),
    )

    assert response.status_code == 303
    with app.app_context():
        assert revision_numbers(article_id) == [1, 2]
        assert stored(article_id).version == 2
    soup = parse(as_editor.get(f"/moderation/posts/{article_id}/diff"))
    assert [
        r.select_one(".diff-text").get_text() for r in soup.select("tr.diff-del")
    ] == ["导入的正文"]
    history = parse(as_editor.get(f"/moderation/posts/{article_id}/revisions"))
    assert history.select_one("#revision-1 td:nth-of-type(6)").get_text() == (
        "编辑器之外写入的版本"
    )


# -- The version check --------------------------------------------------------


def test_a_second_save_on_an_old_version_is_refused_with_the_diff(
    app, as_editor, as_admin, editor, write
):
    article_id = write(editor, "共同编辑", body="开头\n中间\n结尾")
    path = f"/moderation/posts/{article_id}"
    first_page = parse(as_editor.get(path))
    second_page = parse(as_admin.get(path))
    assert first_page.select_one("input[name=version]")["value"] == "1"

    first = editor_values(first_page) | {
        "body": "开头\n编辑改的中间\n结尾",
        "do": "save",
    }
    assert as_editor.post(path, data=first).status_code == 303

    mine = editor_values(second_page) | {
        "title": "管理员的标题",
        "body": "开头\n中间\n结尾\n管理员加的一行",
        "do": "save",
    }
    conflict = as_admin.post(path, data=mine)

    assert conflict.status_code == 409
    with app.app_context():
        article = stored(article_id)
        assert article.body_markdown == "开头\n编辑改的中间\n结尾"
        assert article.title == "共同编辑"
        assert article.version == 2
        assert revision_numbers(article_id) == [1, 2]
    soup = parse(conflict)
    notice = soup.select_one(".conflict h2").get_text(" ", strip=True)
    assert notice.startswith("在你编辑期间，editor-user 于")
    assert notice.endswith("保存了新版本")
    assert textarea_text(soup.select_one("textarea[name=body]")) == (
        "开头\n中间\n结尾\n管理员加的一行"
    )
    assert soup.select_one("input[name=title]")["value"] == "管理员的标题"
    assert soup.select_one("input[name=version]")["value"] == "2"
    added = [
        r.select_one(".diff-text").get_text()
        for r in soup.select(".conflict tr.diff-add")
    ]
    deleted = [
        r.select_one(".diff-text").get_text()
        for r in soup.select(".conflict tr.diff-del")
    ]
    assert deleted == ["编辑改的中间"]
    assert added == ["中间", "管理员加的一行"]

    # Saving again from that page is deliberate: it is stored.
    assert soup.select_one(".post-actions button[value=save]")
    again = as_admin.post(path, data=editor_values(soup) | {"do": "save"})

    assert again.status_code == 303
    with app.app_context():
        article = stored(article_id)
        assert article.body_markdown == "开头\n中间\n结尾\n管理员加的一行"
        assert article.title == "管理员的标题"
        assert article.version == 3
        assert revision_numbers(article_id) == [1, 2, 3]


def test_a_conflicting_publish_publishes_nothing(app, as_editor, editor, write):
    from cms.models import ArticleStatus

    article_id = write(editor, "草稿")
    path = f"/moderation/posts/{article_id}"
    assert (
        as_editor.post(path, data=form_data(title="草稿", version="1")).status_code
        == 303
    )
    response = as_editor.post(
        path, data=form_data(title="草稿", version="1", do="publish")
    )
    assert response.status_code == 409
    with app.app_context():
        assert stored(article_id).status == ArticleStatus.DRAFT


def test_a_save_without_a_version_is_refused(app, as_editor, editor, write):
    article_id = write(editor, "草稿")
    response = as_editor.post(
        f"/moderation/posts/{article_id}", data=form_data(title="改了")
    )
    assert response.status_code == 400
    assert "版本号" in parse(response).select_one(".form-error").get_text()
    with app.app_context():
        assert stored(article_id).title == "草稿"
