"""The editor page: its fields and buttons by role and state, invalid input
(400, errors beside the fields, everything typed kept, nothing stored), the
live preview (the same HTML as the public page), tags made on the fly."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from cms.extensions import db
from cms.models import Article, Tag
from cms.services.audit_actions import action_name
from tests.posts.support import count, form_data, parse, stored, textarea_text


def test_new_article_page_for_an_editor(as_editor):
    soup = parse(as_editor.get("/moderation/posts/new"))
    names = {e["name"] for e in soup.select("form#post-form [name]")}
    assert {
        "title",
        "body",
        "excerpt",
        "category",
        "tags",
        "contributor",
        "published_at",
        "allow_comments",
        "show_tip",
        "version",
    } <= names
    assert soup.select_one("input[name=published_at]")["type"] == "datetime-local"
    assert soup.select_one("label[for=show_tip]").get_text() == "显示打赏"
    assert soup.select_one("input[name=allow_comments]").has_attr("checked")
    buttons = [b.get_text(strip=True) for b in soup.select(".post-actions button")]
    assert buttons == ["保存草稿", "发布"]
    # the Markdown textarea and its preview pane, wired for editor.js
    source = soup.select_one("textarea[data-preview-source]")
    assert source["name"] == "body"
    assert source["data-preview-source"] == "/moderation/posts/preview"
    assert soup.select_one(f'[data-preview-target="{source["id"]}"]')
    script = soup.select_one('script[src$="js/editor.js"]')
    assert script.has_attr("defer") and script.has_attr("nonce")
    assert not soup.select("[style], [onclick], [oninput]")
    assert all(s.has_attr("src") for s in soup.select("main script"))


def test_categories_are_offered_in_tree_order(app, as_editor):
    from cms.database import write_transaction
    from cms.services.taxonomy import category_named

    with app.app_context(), write_transaction():
        money = category_named("借贷")
        category_named("网贷", parent=money)
        category_named("保险")
    soup = parse(as_editor.get("/moderation/posts/new"))
    options = [o.get_text() for o in soup.select("select[name=category] option")]
    # siblings by position, then name (in code point order: 保 before 借)
    assert options == ["（未分类）", "保险", "借贷", "　网贷"]


def test_editor_buttons_by_state(as_editor, contributor, editor, write):
    pending = write(contributor, "投稿", action="submit")
    soup = parse(as_editor.get(f"/moderation/posts/{pending}"))
    assert [b.get_text(strip=True) for b in soup.select(".post-actions button")] == [
        "保存",
        "发布",
        "撤回为草稿",
        "移到回收站",
    ]
    assert soup.select_one("details.send-back form")["action"] == (
        f"/moderation/posts/{pending}/send-back"
    )
    draft = write(editor, "草稿")
    soup = parse(as_editor.get(f"/moderation/posts/{draft}"))
    assert soup.select("details.send-back") == []
    assert soup.select_one(".post-actions button").get_text() == "保存草稿"


def test_an_empty_title_is_400_with_everything_kept(app, as_editor):
    response = as_editor.post(
        "/moderation/posts/new",
        data=form_data(
            title="   ",
            body="我写了很多字\n\n第二段",
            tags="甲，乙",
            excerpt="摘要在此",
            published_at="2030-01-02T03:04",
        ),
    )

    assert response.status_code == 400
    soup = parse(response)
    title = soup.select_one("input[name=title]")
    assert title["aria-invalid"] == "true"
    error = soup.select_one(f"#{title['aria-describedby']}")
    assert error.get_text() == "请填写标题"
    assert (
        textarea_text(soup.select_one("textarea[name=body]"))
        == "我写了很多字\n\n第二段"
    )
    assert soup.select_one("input[name=tags]")["value"] == "甲，乙"
    assert textarea_text(soup.select_one("textarea[name=excerpt]")) == "摘要在此"
    assert soup.select_one("input[name=published_at]")["value"] == "2030-01-02T03:04"
    # the preview shows what was typed
    assert "我写了很多字" in soup.select_one(".md-preview").get_text()
    with app.app_context():
        assert count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "长" * 201, "标题最多 200 个字符"),
        ("published_at", "明天早上", "请按“年-月-日 时:分”填写时间"),
        ("published_at", "2030-02-30T10:00", "请按“年-月-日 时:分”填写时间"),
        ("tags", "、".join(f"标签{i}" for i in range(21)), "标签最多 20 个"),
        ("category", "999", "所选分类不存在，请重新选择"),
    ],
)
def test_invalid_fields_are_400_beside_the_field(
    app, as_editor, editor, write, field, value, message
):
    article_id = write(editor, "原来的标题")
    response = as_editor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(version="1", **({"title": "新标题"} | {field: value})),
    )

    assert response.status_code == 400
    soup = parse(response)
    assert soup.select_one(f"#{field}-error").get_text() == message
    assert soup.select_one(f"[name={field}]")
    if field != "category":
        assert soup.select_one(f"[name={field}]")["value"] == value
    with app.app_context():
        article = stored(article_id)
        assert (article.title, article.version) == ("原来的标题", 1)


def test_tags_are_created_on_the_fly(app, as_editor):
    response = as_editor.post(
        "/moderation/posts/new",
        data=form_data(title="带标签", tags="信用卡, 逾期，协商、信用卡 ,  "),
    )
    assert response.status_code == 303
    with app.app_context():
        names = sorted(db.session.scalars(db.select(Tag.name)))
        assert names == sorted(["信用卡", "逾期", "协商"])
        article = db.session.scalars(db.select(Article)).one()
        assert sorted(t.name for t in article.tags) == names
    soup = parse(as_editor.get(response.headers["Location"]))
    assert sorted(soup.select_one("input[name=tags]")["value"].split("，")) == names


def test_the_editor_shows_what_it_saved(app, as_editor):
    response = as_editor.post(
        "/moderation/posts/new",
        data=form_data(
            title="完整字段",
            body="正文",
            excerpt="手写摘要",
            contributor="张三",
            published_at="2024-03-01T09:30",
            allow_comments=None,
            show_tip=None,
        ),
    )
    soup = parse(as_editor.get(response.headers["Location"]))

    assert soup.select_one("input[name=contributor]")["value"] == "张三"
    assert soup.select_one("input[name=published_at]")["value"] == "2024-03-01T09:30"
    assert not soup.select_one("input[name=allow_comments]").has_attr("checked")
    assert not soup.select_one("input[name=show_tip]").has_attr("checked")
    assert textarea_text(soup.select_one("textarea[name=excerpt]")) == "手写摘要"
    with app.app_context():
        article = db.session.scalars(db.select(Article)).one()
        assert article.published_at.isoformat() == "2024-03-01T01:30:00+00:00"
        assert article.summary == "手写摘要"
        assert article.credited == "张三"


MARKDOWN = """## 准备材料

身份证和**银行流水**。<script>alert(1)</script>

<img src=x onerror="alert(2)">

[官网](https://example.cn) | [站内](/about/)
"""


def test_the_preview_is_the_public_pages_html(app, client, as_editor, editor, write):
    preview = as_editor.post("/moderation/posts/preview", data={"markdown": MARKDOWN})
    assert preview.status_code == 200
    html = preview.get_json()["html"]
    assert "<script" not in html and "onerror" not in html and "alert(1)" not in html
    assert "<strong>银行流水</strong>" in html

    article_id = write(editor, "预览一致", body=MARKDOWN, action="publish")
    with app.app_context():
        public_id = stored(article_id).public_id
    page = parse(client.get(f"/{public_id}.html"))
    public_body = page.select_one(".post-body").decode_contents().strip()

    assert public_body == BeautifulSoup(html, "html.parser").decode().strip()


def test_the_editor_starts_with_the_preview_of_the_saved_body(
    app, as_editor, editor, write
):
    article_id = write(editor, "有预览", body="**粗体**")
    soup = parse(as_editor.get(f"/moderation/posts/{article_id}"))
    assert soup.select_one(".md-preview strong").get_text() == "粗体"
    source = soup.select_one("textarea[data-preview-source]")
    assert source["data-preview-source"] == (
        f"/moderation/posts/preview?article_id={article_id}"
    )


def test_the_preview_refuses_a_huge_text(as_editor):
    response = as_editor.post(
        "/moderation/posts/preview", data={"markdown": "字" * 200_001}
    )
    assert response.status_code == 400
    assert "正文最多" in response.get_json()["error"]


def test_audit_actions_have_chinese_names():
    for action, name in {
        "article-create": "新建文章",
        "article-save": "保存文章",
        "article-submit": "投稿",
        "article-publish": "发布",
        "article-unpublish": "撤回",
        "article-send-back": "退回",
        "article-trash": "移到回收站",
        "article-restore": "从回收站恢复",
        "article-revision-restore": "恢复版本",
    }.items():
        assert action_name(action) == name


def test_the_editor_shows_the_texts_word_count(app, as_editor, editor, write):
    article_id = write(editor, body="十个汉字的一句话啊。\n\nHello world")

    soup = parse(as_editor.get(f"/moderation/posts/{article_id}"))

    count = soup.select_one("[data-word-count-for=body]").get_text()
    assert count == "11 字 · 约 1 分钟读完"
