"""The workflow through the pages: a contributor writes and submits, an
editor sends back with a reason that the contributor sees, the contributor
resubmits, the editor publishes and readers see it. Scheduling, unpublishing,
trash and restore; each step in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cms.models import ArticleStatus, utcnow
from tests.posts.support import audit_actions, form_data, parse, stored


def _id_from(response) -> int:
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_round_trip_from_draft_to_the_home_page(app, client, as_contributor, as_editor):
    # The contributor writes a draft, then submits it (投稿).
    article_id = _id_from(
        as_contributor.post(
            "/moderation/posts/new",
            data=form_data(title="停息挂账的材料清单", body="需要准备身份证。"),
        )
    )
    submitted = as_contributor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(
            title="停息挂账的材料清单",
            body="需要准备身份证。",
            version="1",
            do="submit",
        ),
    )
    assert submitted.status_code == 303
    with app.app_context():
        assert stored(article_id).status == ArticleStatus.PENDING

    # It waits in the editor's 待审 tab.
    pending = parse(as_editor.get("/moderation/posts?status=pending"))
    assert [a.get_text() for a in pending.select(".post-edit-link")] == [
        "停息挂账的材料清单"
    ]
    assert pending.select_one("[data-tab=pending] .tab-count").get_text() == "1"

    # The editor sends it back with a reason.
    editor_page = parse(as_editor.get(f"/moderation/posts/{article_id}"))
    assert editor_page.select_one("details.send-back textarea[name=reason]")
    sent_back = as_editor.post(
        f"/moderation/posts/{article_id}/send-back",
        data={"reason": "请补充办理流程和所需时间"},
    )
    assert sent_back.status_code == 303
    assert sent_back.headers["Location"] == f"/moderation/posts/{article_id}"

    # The contributor sees the reason on the post and in the list.
    own = parse(as_contributor.get(f"/moderation/posts/{article_id}"))
    assert "请补充办理流程和所需时间" in own.select_one(".review-note").get_text()
    listing = parse(as_contributor.get("/moderation/posts?status=draft"))
    assert (
        "请补充办理流程和所需时间" in listing.select_one(".post-review-note").get_text()
    )

    # ... edits and submits again: the reason is gone.
    again = as_contributor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(
            title="停息挂账的材料清单",
            body="需要准备身份证。\n\n流程约需两周。",
            version="3",
            do="submit",
        ),
    )
    assert again.status_code == 303
    with app.app_context():
        article = stored(article_id)
        assert article.status == ArticleStatus.PENDING
        assert article.review_note == ""
        public_id = article.public_id
    assert not parse(as_contributor.get(f"/moderation/posts/{article_id}")).select(
        ".review-note"
    )
    assert client.get(f"/{public_id}.html").status_code == 404

    # The editor publishes it from the editor; readers see it.
    published = as_editor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(
            title="停息挂账的材料清单",
            body="需要准备身份证。\n\n流程约需两周。",
            version="4",
            do="publish",
        ),
    )
    assert published.status_code == 303
    with app.app_context():
        article = stored(article_id)
        assert article.status == ArticleStatus.PUBLISHED
        assert utcnow() - article.published_at < timedelta(minutes=1)
        assert audit_actions(article_id) == [
            "article-create",
            "article-submit",
            "article-send-back",
            "article-submit",
            "article-publish",
        ]
    home = parse(client.get("/"))
    assert "停息挂账的材料清单" in [
        a.get_text(strip=True) for a in home.select(".card-title a")
    ]
    page = client.get(f"/{public_id}.html")
    assert page.status_code == 200
    assert "流程约需两周" in parse(page).select_one(".post-body").get_text()


def test_the_send_back_reason_is_in_the_audit_entry(app, as_editor, contributor, write):
    from sqlalchemy import select

    from cms.extensions import db
    from cms.models import AuditEntry

    article_id = write(contributor, "投稿", action="submit")
    as_editor.post(
        f"/moderation/posts/{article_id}/send-back", data={"reason": "标题不准确"}
    )
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "article-send-back")
        ).one()
        assert entry.reason == "标题不准确"
        assert entry.target_ids == [article_id]
        assert entry.changes == {str(article_id): {"from": "pending", "to": "draft"}}


def test_sending_back_needs_a_reason(app, as_editor, contributor, write):
    article_id = write(contributor, "投稿", action="submit")

    response = as_editor.post(
        f"/moderation/posts/{article_id}/send-back", data={"reason": "  "}
    )

    assert response.status_code == 400
    soup = parse(response)
    assert soup.select_one("details.send-back").has_attr("open")
    assert "请填写退回原因" in soup.select_one(".send-back .field-error").get_text()
    # the editor form below shows the article as stored
    assert soup.select_one("input[name=allow_comments]").has_attr("checked")
    assert soup.select_one("input[name=title]")["value"] == "投稿"
    with app.app_context():
        assert stored(article_id).status == ArticleStatus.PENDING


def test_only_pending_articles_are_sent_back(app, as_editor, contributor, write):
    article_id = write(contributor, "草稿")
    editor_page = f"http://localhost/moderation/posts/{article_id}"
    response = as_editor.post(
        f"/moderation/posts/{article_id}/send-back",
        data={"reason": "没提交"},
        headers={"Referer": editor_page},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/moderation/posts/{article_id}"
    with app.app_context():
        article = stored(article_id)
        assert article.review_note == "" and article.version == 1


def test_a_future_time_in_shanghai_schedules_the_article(
    app, client, as_editor, monkeypatch
):
    local = (utcnow() + timedelta(days=30)).astimezone(ZoneInfo("Asia/Shanghai"))
    typed = local.strftime("%Y-%m-%dT%H:%M")
    article_id = _id_from(
        as_editor.post(
            "/moderation/posts/new",
            data=form_data(title="定时文章", published_at=typed, do="publish"),
        )
    )

    with app.app_context():
        article = stored(article_id)
        expected = datetime.strptime(typed, "%Y-%m-%dT%H:%M") - timedelta(hours=8)
        assert article.published_at == expected.replace(tzinfo=UTC)
        assert article.status == ArticleStatus.PUBLISHED
        public_id = article.public_id
    assert "定时文章" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/{public_id}.html").status_code == 404

    listing = parse(as_editor.get("/moderation/posts?status=scheduled"))
    assert listing.select_one("[data-tab=scheduled] .tab-count").get_text() == "1"
    assert listing.select_one("[data-tab=published] .tab-count").get_text() == "0"
    assert listing.select_one(".chip-post").get_text() == "定时发布"
    editor_page = parse(as_editor.get(f"/moderation/posts/{article_id}"))
    assert editor_page.select_one("input[name=published_at]")["value"] == typed
    assert editor_page.select_one("button[value=publish]").get_text() == "定时发布"

    # When the time comes, readers see it without anyone doing anything.
    later = utcnow() + timedelta(days=31)
    monkeypatch.setattr("cms.services.articles.utcnow", lambda: later)
    assert "定时文章" in client.get("/").get_data(as_text=True)


def test_a_published_article_is_updated_and_keeps_its_time(
    app, as_editor, write, editor
):
    article_id = write(editor, "已发布", action="publish")
    with app.app_context():
        first_time = stored(article_id).published_at
    soup = parse(as_editor.get(f"/moderation/posts/{article_id}"))
    assert soup.select_one("button[value=publish]").get_text() == "更新"

    response = as_editor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(title="已发布（修订）", version="2", do="publish"),
    )

    assert response.status_code == 303
    with app.app_context():
        article = stored(article_id)
        assert article.title == "已发布（修订）"
        assert article.published_at == first_time


def test_unpublish_takes_it_off_the_site(app, client, as_editor, editor, write):
    article_id = write(editor, "要撤回的文章", action="publish")
    with app.app_context():
        public_id = stored(article_id).public_id
    assert client.get(f"/{public_id}.html").status_code == 200

    response = as_editor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(title="要撤回的文章", version="2", do="unpublish"),
    )

    assert response.status_code == 303
    assert client.get(f"/{public_id}.html").status_code == 404
    with app.app_context():
        assert stored(article_id).status == ArticleStatus.DRAFT
        assert audit_actions(article_id)[-1] == "article-unpublish"


def test_a_contributor_takes_back_their_pending_article(
    app, as_contributor, contributor, write
):
    article_id = write(contributor, "想再改改", action="submit")
    response = as_contributor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(title="想再改改", version="2", do="unpublish"),
    )
    assert response.status_code == 303
    with app.app_context():
        assert stored(article_id).status == ArticleStatus.DRAFT


def test_trash_and_restore(app, client, as_editor, editor, write):
    article_id = write(editor, "回收站测试", action="publish")
    with app.app_context():
        public_id = stored(article_id).public_id

    trashed = as_editor.post(f"/moderation/posts/{article_id}/trash")

    assert trashed.status_code == 303
    assert client.get(f"/{public_id}.html").status_code == 404
    listing = parse(as_editor.get("/moderation/posts?status=trash"))
    assert [a.get_text() for a in listing.select(".post-edit-link")] == ["回收站测试"]
    assert parse(as_editor.get("/moderation/posts")).select(".post-edit-link") == []
    page = parse(as_editor.get(f"/moderation/posts/{article_id}"))
    assert page.select_one("fieldset.post-fieldset").has_attr("disabled")
    assert page.select_one("form.restore-form button")
    refused = as_editor.post(
        f"/moderation/posts/{article_id}", data=form_data(title="改", version="3")
    )
    assert refused.status_code == 403

    restored = as_editor.post(f"/moderation/posts/{article_id}/restore")

    assert restored.status_code == 303
    assert restored.headers["Location"] == f"/moderation/posts/{article_id}"
    with app.app_context():
        article = stored(article_id)
        assert article.status == ArticleStatus.DRAFT
        assert audit_actions(article_id)[-2:] == ["article-trash", "article-restore"]
    assert client.get(f"/{public_id}.html").status_code == 404


def test_restoring_what_is_not_in_the_trash_changes_nothing(
    app, as_editor, editor, write
):
    article_id = write(editor, "草稿")
    response = as_editor.post(
        f"/moderation/posts/{article_id}/restore",
        headers={"Referer": f"http://localhost/moderation/posts/{article_id}"},
    )
    assert response.status_code == 303
    assert (
        "不在回收站"
        in parse(as_editor.get(response.headers["Location"]))
        .select_one(".flashes")
        .get_text()
    )
    with app.app_context():
        assert stored(article_id).version == 1
