"""Role rules of every posts route and object: anonymous visitors go to the
login page; a contributor never sees or changes another's article (404, so
ids cannot be probed), never publishes, never sets the credit or the owner,
and gets 403 on revisions and sending back; editors and admins do all."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from cms.models import ArticleStatus
from tests.posts.conftest import user_named
from tests.posts.support import form_data, parse, stored

ROUTES = [
    ("GET", "/moderation/posts"),
    ("GET", "/moderation/posts/new"),
    ("POST", "/moderation/posts/new"),
    ("GET", "/moderation/posts/{id}"),
    ("POST", "/moderation/posts/{id}"),
    ("POST", "/moderation/posts/preview"),
    ("POST", "/moderation/posts/{id}/send-back"),
    ("POST", "/moderation/posts/{id}/trash"),
    ("POST", "/moderation/posts/{id}/restore"),
    ("GET", "/moderation/posts/{id}/revisions"),
    ("GET", "/moderation/posts/{id}/diff"),
    ("POST", "/moderation/posts/{id}/revisions/1/restore"),
]


def test_anonymous_visitors_are_sent_to_login_and_change_nothing(
    app, client, contributor, write
):
    article_id = write(contributor, "草稿")
    for method, path in ROUTES:
        path = path.format(id=article_id)
        response = client.open(path, method=method, data=form_data(version="2"))
        assert response.status_code == 302, (method, path)
        assert urlsplit(response.headers["Location"]).path == "/auth/login"
    with app.app_context():
        assert stored(article_id).version == 1


@pytest.fixture
def their_draft(contributor, write):
    """Contributor B's draft (the fixture `contributor` is B)."""
    return write(contributor, "别人的草稿", body="B 的正文")


def test_another_contributors_draft_is_not_found_anywhere(app, as_other, their_draft):
    """Contributor A (as_other) asks for B's draft by id: every route answers
    404, the list does not show it, and nothing changes."""
    listing = parse(as_other.get("/moderation/posts"))
    assert "别人的草稿" not in listing.get_text()
    assert listing.select_one("[data-tab=all] .tab-count").get_text() == "0"

    attempts = [
        as_other.get(f"/moderation/posts/{their_draft}"),
        as_other.post(
            f"/moderation/posts/{their_draft}",
            data=form_data(title="改掉", version="1"),
        ),
        as_other.post(
            f"/moderation/posts/{their_draft}",
            data=form_data(title="投出去", version="1", do="submit"),
        ),
        as_other.post(
            "/moderation/posts/preview",
            query_string={"article_id": their_draft},
            data={"markdown": "x"},
        ),
        as_other.post(f"/moderation/posts/{their_draft}/trash"),
        as_other.post(f"/moderation/posts/{their_draft}/restore"),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)

    with app.app_context():
        article = stored(their_draft)
        assert (article.title, article.status, article.version) == (
            "别人的草稿",
            ArticleStatus.DRAFT,
            1,
        )
        assert article.body_markdown == "B 的正文"


def test_a_missing_article_is_404_like_anothers(as_other):
    assert as_other.get("/moderation/posts/9999").status_code == 404


@pytest.mark.parametrize("start", ["save", "submit"])
def test_a_forged_publish_from_a_contributor_is_refused(
    app, as_contributor, contributor, write, start
):
    article_id = write(contributor, "我的稿子", action=start)
    response = as_contributor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(
            title="我的稿子", do="publish", version="1" if start == "save" else "2"
        ),
    )

    assert response.status_code == 403
    with app.app_context():
        article = stored(article_id)
        expected = ArticleStatus.DRAFT if start == "save" else ArticleStatus.PENDING
        assert article.status == expected
        assert article.published_at is None


def test_a_contributor_cannot_publish_a_new_article_either(app, as_contributor):
    response = as_contributor.post(
        "/moderation/posts/new", data=form_data(do="publish")
    )
    assert response.status_code == 403
    with app.app_context():
        from tests.posts.support import count

        assert count() == 0


def test_a_contributor_cannot_set_the_credit_the_owner_or_the_time(
    app, as_contributor, contributor, other_contributor, write
):
    article_id = write(contributor, "我的稿子")
    with app.app_context():
        other_id = user_named(other_contributor).id
    response = as_contributor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(
            title="我的稿子",
            version="1",
            contributor="冒名",
            owner_id=str(other_id),
            published_at="2020-01-01T08:00",
        ),
    )
    created = as_contributor.post(
        "/moderation/posts/new",
        data=form_data(title="新稿", contributor="冒名", owner_id=str(other_id)),
    )

    assert response.status_code == 303 and created.status_code == 303
    with app.app_context():
        me = user_named(contributor)
        for article in (
            stored(article_id),
            stored(int(created.headers["Location"].rsplit("/", 1)[1])),
        ):
            assert article.contributor == ""
            assert article.owner_id == me.id
            assert article.published_at is None
            assert article.credited == me.display_name


def test_the_contributor_form_has_no_staff_fields(as_contributor):
    soup = parse(as_contributor.get("/moderation/posts/new"))
    names = {e["name"] for e in soup.select("form#post-form [name]")}
    assert "contributor" not in names and "published_at" not in names
    buttons = [b.get_text(strip=True) for b in soup.select(".post-actions button")]
    assert buttons == ["保存草稿", "提交审核"]


def test_contributors_get_403_on_revisions_and_sending_back(
    app, as_contributor, contributor, write
):
    article_id = write(contributor, "我的投稿", action="submit")
    paths = [
        ("GET", f"/moderation/posts/{article_id}/revisions"),
        ("GET", f"/moderation/posts/{article_id}/diff?a=1&b=2"),
        ("POST", f"/moderation/posts/{article_id}/revisions/1/restore"),
        ("POST", f"/moderation/posts/{article_id}/send-back"),
    ]
    for method, path in paths:
        response = as_contributor.open(path, method=method, data={"reason": "自己退回"})
        assert response.status_code == 403, path
    with app.app_context():
        article = stored(article_id)
        assert article.status == ArticleStatus.PENDING
        assert article.review_note == ""
        assert article.version == 2


def test_a_contributor_sees_but_cannot_change_their_published_article(
    app, as_contributor, as_editor, contributor, write
):
    article_id = write(contributor, "已发布的投稿", action="submit")
    assert (
        as_editor.post(
            f"/moderation/posts/{article_id}",
            data=form_data(title="已发布的投稿", do="publish", version="2"),
        ).status_code
        == 303
    )

    page = as_contributor.get(f"/moderation/posts/{article_id}")
    soup = parse(page)
    assert page.status_code == 200
    assert soup.select_one("fieldset.post-fieldset").has_attr("disabled")
    assert soup.select(".post-actions") == []
    changed = as_contributor.post(
        f"/moderation/posts/{article_id}",
        data=form_data(title="偷偷改标题", version="3"),
    )
    trashed = as_contributor.post(f"/moderation/posts/{article_id}/trash")

    assert (changed.status_code, trashed.status_code) == (403, 403)
    with app.app_context():
        article = stored(article_id)
        assert article.title == "已发布的投稿"
        assert article.status == ArticleStatus.PUBLISHED


def test_a_contributor_trashes_their_draft_but_not_their_pending_article(
    app, as_contributor, contributor, write
):
    draft = write(contributor, "草稿")
    pending = write(contributor, "待审", action="submit")

    assert as_contributor.post(f"/moderation/posts/{pending}/trash").status_code == 403
    response = as_contributor.post(f"/moderation/posts/{draft}/trash")

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/posts"
    with app.app_context():
        assert stored(draft).status == ArticleStatus.TRASH
        assert stored(pending).status == ArticleStatus.PENDING


@pytest.mark.parametrize("role", ["as_editor", "as_admin"])
def test_editors_and_admins_use_every_route(
    request, app, role, contributor, other_contributor, write
):
    client = request.getfixturevalue(role)
    article_id = write(contributor, "投稿", action="submit")
    path = f"/moderation/posts/{article_id}"

    assert client.get("/moderation/posts").status_code == 200
    assert client.get("/moderation/posts/new").status_code == 200
    assert client.get(path).status_code == 200
    assert (
        client.post(
            "/moderation/posts/preview",
            query_string={"article_id": article_id},
            data={"markdown": "**好**"},
        ).status_code
        == 200
    )
    assert client.get(f"{path}/revisions").status_code == 200
    assert (
        client.post(path, data=form_data(title="改过", version="2")).status_code == 303
    )
    assert client.get(f"{path}/diff?a=1&b=2").status_code == 200
    assert (
        client.post(f"{path}/send-back", data={"reason": "再改改"}).status_code == 303
    )
    assert client.post(f"{path}/revisions/1/restore").status_code == 303
    assert client.post(f"{path}/trash").status_code == 303
    assert client.post(f"{path}/restore").status_code == 303
    assert (
        client.post(
            "/moderation/posts/new", data=form_data(title="编辑写的", do="publish")
        ).status_code
        == 303
    )
    with app.app_context():
        article = stored(article_id)
        assert article.status == ArticleStatus.DRAFT
        assert article.title == "投稿"  # revision 1 restored
        assert article.review_note == "再改改"
