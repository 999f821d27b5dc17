"""The word-rules pages: what an editor does there, and what it changes."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, WordExemption, WordRule
from cms.services.wordrule_store import add_rule
from cms.text.wordfilter import Action, Rule
from tests.factories import make_article, make_comment


def _csrf(client, path="/moderation/wordrules") -> str:
    page = BeautifulSoup(client.get(path).data, "html.parser")
    return page.select_one("input[name=csrf_token]")["value"]


def _post(client, path, data, referer="/moderation/wordrules"):
    return client.post(path, data={"csrf_token": _csrf(client, referer)} | data)


def test_add_then_search_then_remove(staff, db_ctx):
    added = _post(staff, "/moderation/wordrules", {
        "phrase": "最大", "kind": "word", "action": "replace", "replacement": "更大",
        "scope_articles": "y",
    })  # fmt: skip
    assert added.status_code == 303
    page = BeautifulSoup(staff.get("/moderation/wordrules?q=最").data, "html.parser")
    assert [td.get_text(" ", strip=True) for td in page.select("td.wf-phrase")] == [
        "最大 → 更大"
    ]
    with db_ctx():
        rule_id = db.session.scalar(select(WordRule.id))

    assert (
        _post(staff, f"/moderation/wordrules/{rule_id}/delete", {}).status_code == 303
    )
    with db_ctx():
        assert db.session.scalar(select(WordRule)) is None


def test_an_empty_rule_is_refused_with_the_form_kept(staff, db_ctx):
    answer = _post(staff, "/moderation/wordrules", {
        "phrase": " ", "kind": "word", "action": "hold", "scope_comments": "y",
    })  # fmt: skip

    assert answer.status_code == 400
    page = BeautifulSoup(answer.data, "html.parser")
    assert "词语不能为空" in page.select_one(".field-error").get_text()
    with db_ctx():
        assert db.session.scalar(select(WordRule)) is None


def test_the_test_box_highlights_every_change(staff, db_ctx):
    with db_ctx():
        add_rule(Rule("最大", Action.REPLACE, "更大", frozenset({"articles"})), None)
        add_rule(Rule("第一遍", Action.FLAG, kind="exception"), None)
        add_rule(Rule("第一", Action.REPLACE, "之一", frozenset({"articles"})), None)

    answer = _post(staff, "/moderation/wordrules/test", {
        "text": "中国最大的平台，开始第一遍催收，排名第一", "scope": "articles",
    })  # fmt: skip

    page = BeautifulSoup(answer.data, "html.parser")
    marks = [
        (m.select_one("del").get_text(), m.select_one("ins").get_text())
        for m in page.select(".wf-tested .wf-mark")
    ]
    assert marks == [("最大", "更大"), ("第一", "之一")]
    assert page.select_one(".wf-output").get_text() == (
        "中国更大的平台，开始第一遍催收，排名之一"
    )


def test_dry_run_shows_counts_and_saves_nothing(staff, db_ctx):
    with db_ctx():
        article = make_article(body="这是最大的优惠")
        make_comment(article, body="加.微.信了解")
        make_comment(article, body="普通评论")

    answer = _post(staff, "/moderation/wordrules", {
        "phrase": "加微信", "kind": "word", "action": "hold", "scope_comments": "y",
        "scope_names": "y", "dry_run": "1",
    })  # fmt: skip

    page = BeautifulSoup(answer.data, "html.parser")
    counts = [s.get_text() for s in page.select(".wf-dry strong")]
    assert counts == ["1", "0"]
    with db_ctx():
        assert db.session.scalar(select(WordRule)) is None


def test_import_export_and_reapply(staff, db_ctx):
    with db_ctx():
        article = make_article(body="最大的优惠")
    imported = _post(staff, "/moderation/wordrules/import", {
        "tsv": "word\taction\treplacement\tscopes\n最大\treplace\t更大\tarticles\n",
    })  # fmt: skip
    assert imported.status_code == 303

    exported = staff.get("/moderation/wordrules/export.tsv")
    assert (
        exported.data.decode()
        .splitlines()[1]
        .startswith("最大\treplace\t更大\tarticles")
    )
    page = BeautifulSoup(staff.get("/moderation/wordrules").data, "html.parser")
    assert "有 1 篇已发布文章" in page.select_one(".wf-affected h2").get_text()

    assert _post(staff, "/moderation/wordrules/reapply", {}).status_code == 303
    with db_ctx():
        assert "更大的优惠" in db.session.get(Article, article.id).body_html


def test_an_editor_keeps_one_occurrence(staff, db_ctx):
    with db_ctx():
        add_rule(Rule("最大", Action.REPLACE, "更大", frozenset({"articles"})), None)
        article = make_article(body="最大的问题，最大的平台")
    path = f"/moderation/posts/{article.id}/words"
    page = BeautifulSoup(staff.get(path).data, "html.parser")
    forms = page.select("form.wf-exempt")
    assert len(forms) == 2
    second = {i["name"]: i["value"] for i in forms[1].select("input")}

    assert staff.post(f"{path}/exempt", data=second).status_code == 303

    with db_ctx():
        (kept,) = db.session.scalars(select(WordExemption))
        assert kept.phrase == "最大"
        assert "更大的问题，最大的平台" in db.session.get(Article, article.id).body_html
    page = BeautifulSoup(staff.get(path).data, "html.parser")
    assert len(page.select(".wf-text .wf-mark.wf-exempted")) == 1


def test_the_editors_live_preview_is_the_filtered_rendition(staff, db_ctx):
    with db_ctx():
        add_rule(Rule("最大", Action.REPLACE, "更大", frozenset({"articles"})), None)

    answer = _post(staff, "/moderation/posts/preview", {"markdown": "中国最大的平台"})

    assert answer.status_code == 200
    assert "中国更大的平台" in answer.get_json()["html"]


def test_readers_see_the_filtered_title_and_the_editor_the_written_one(
    app, staff, db_ctx
):
    from cms.services.wordrule_store import seed_default_rules

    with db_ctx():
        seed_default_rules()
        article = make_article(title="中国最大的支付平台", body="正文")
    reader = app.test_client()

    page = BeautifulSoup(reader.get(f"/{article.public_id}.html").data, "html.parser")
    home = BeautifulSoup(reader.get("/").data, "html.parser")
    feed = reader.get("/feed.xml").get_data(as_text=True)
    for shown in (
        page.select_one("h1.post-title").get_text(),
        page.title.get_text(),
        page.select_one('meta[property="og:title"]')["content"],
        home.select_one(".card-title a").get_text(),
    ):
        assert "中国更大的支付平台" in shown
    assert "最大" not in page.select_one("h1.post-title").get_text()
    assert "<title>中国更大的支付平台</title>" in feed
    assert "最大" not in feed
    editor_form = BeautifulSoup(
        staff.get(f"/moderation/posts/{article.id}").data, "html.parser"
    )
    assert editor_form.select_one("input[name=title]")["value"] == "中国最大的支付平台"


def test_an_editor_keeps_the_title_occurrence_on_the_words_page(app, staff, db_ctx):
    with db_ctx():
        add_rule(Rule("最大", Action.REPLACE, "更大", frozenset({"articles"})), None)
        article = make_article(title="中国最大的支付平台", body="最大的问题")
    path = f"/moderation/posts/{article.id}/words"
    page = BeautifulSoup(staff.get(path).data, "html.parser")
    (title_form,) = page.select(".wf-title form.wf-exempt")
    assert len(page.select("form.wf-exempt")) == 2
    fields = {i["name"]: i["value"] for i in title_form.select("input")}
    assert fields["field"] == "title"

    assert staff.post(f"{path}/exempt", data=fields).status_code == 303

    with db_ctx():
        stored = db.session.get(Article, article.id)
        assert stored.public_title == "中国最大的支付平台"
        assert "更大的问题" in stored.body_html
    shown = BeautifulSoup(
        app.test_client().get(f"/{article.public_id}.html").data, "html.parser"
    )
    assert shown.select_one("h1.post-title").get_text() == "中国最大的支付平台"
    page = BeautifulSoup(staff.get(path).data, "html.parser")
    assert len(page.select(".wf-title .wf-mark.wf-exempted")) == 1


def test_flagged_words_are_marked_for_editors_and_never_for_readers(app, staff, db_ctx):
    with db_ctx():
        add_rule(Rule("加微信", Action.FLAG, scopes=frozenset({"comments"})), None)
        article = make_article(title="标记测试", body="正文")
        held = make_comment(
            article,
            body="<b>你好</b>，请加.微.信聊\n\n再说一次：加微信",
            status="pending",
        )
        shown = make_comment(article, body="想了解的加-微-信吧", status="approved")

    queue = BeautifulSoup(staff.get("/moderation/comments").data, "html.parser")
    row = queue.select_one(f"#row-{held.id} .row-body")
    marks = row.select("mark.flagged")
    assert [m.get_text() for m in marks] == ["加.微.信", "加微信"]
    assert {m["title"] for m in marks} == {"规则：加微信"}
    assert row.select("b") == [] and "<b>你好</b>" in row.get_text()
    approved = BeautifulSoup(
        staff.get("/moderation/comments?status=approved").data, "html.parser"
    )
    (mark,) = approved.select(f"#row-{shown.id} .row-body mark.flagged")
    assert mark.get_text() == "加-微-信"
    detail = BeautifulSoup(
        staff.get(f"/moderation/comments/{held.id}/edit").data, "html.parser"
    )
    assert [m.get_text() for m in detail.select(".edit-current mark.flagged")] == [
        "加.微.信",
        "加微信",
    ]

    public = app.test_client().get(f"/{article.public_id}.html").get_data(as_text=True)
    assert "加-微-信" in public
    assert "<mark" not in public and "flagged" not in public
