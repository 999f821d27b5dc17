"""The page editor through the area: create, save, publish, unpublish, trash,
restore, delete for good; slug and parent rules; the version check."""

from __future__ import annotations

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import AuditEntry, Page, PageStatus, Revision
from cms.services.page_edits import PageInput
from cms.services.pages import save_page
from tests.pages.conftest import (
    actions,
    body_text,
    form_data,
    page_by_slug,
    parse,
    user_named,
)


def count_pages() -> int:
    return db.session.scalar(select(func.count(Page.id)))


def test_a_new_draft_is_stored_with_a_pinyin_slug(app, staff, editor):
    response = staff.post("/moderation/pages/new", data=form_data())

    assert response.status_code == 303
    with app.app_context():
        page = page_by_slug("guan-yu-wo-men")
        assert response.headers["Location"] == f"/moderation/pages/{page.id}"
        assert page.status == PageStatus.DRAFT
        assert page.owner.username == editor
        assert page.body_html == "<p>我们是一个<strong>资源分享</strong>网站。</p>\n"
        assert page.summary == "我们是一个资源分享网站。"
        assert page.version == 1
        assert actions() == ["page-create"]
        entry = db.session.scalar(select(AuditEntry))
        assert entry.target_type == "page" and entry.target_ids == [page.id]
        assert entry.actor.username == editor


def test_publishing_at_once(app, staff, client):
    response = staff.post(
        "/moderation/pages/new", data=form_data(do="publish", slug="about")
    )

    assert response.status_code == 303
    with app.app_context():
        assert page_by_slug("about").status == PageStatus.PUBLISHED
    assert client.get("/page/about/").status_code == 200


def test_the_editor_shows_the_page(staff, add_page):
    page_id = add_page("关于我们", body_markdown="第一段", slug="about", publish=False)

    soup = parse(staff.get(f"/moderation/pages/{page_id}"))

    assert soup.select_one("input[name=title]")["value"] == "关于我们"
    assert soup.select_one("input[name=slug]")["value"] == "about"
    assert body_text(soup) == "第一段"
    assert soup.select_one("input[name=version]")["value"] == "1"
    assert soup.select_one("textarea[data-preview-source]") is not None
    assert soup.select_one("[data-preview-target]") is not None
    buttons = {b["value"]: b.get_text() for b in soup.select("button[name=do]")}
    assert buttons == {"save": "保存草稿", "publish": "发布"}


def test_save_publish_unpublish(app, staff, client, add_page):
    page_id = add_page("关于我们", slug="about", publish=False)
    path = f"/moderation/pages/{page_id}"

    saved = staff.post(
        path, data=form_data(title="关于本站", slug="about", body="新的正文", version=1)
    )
    assert saved.status_code == 303 and saved.headers["Location"] == path
    with app.app_context():
        page = page_by_slug("about")
        assert (page.title, page.body_markdown, page.status, page.version) == (
            "关于本站", "新的正文", PageStatus.DRAFT, 2,
        )  # fmt: skip
    assert client.get("/page/about/").status_code == 404

    published = staff.post(
        path,
        data=form_data(
            title="关于本站", slug="about", body="新的正文", version=2, do="publish"
        ),
    )
    assert published.status_code == 303
    assert client.get("/page/about/").status_code == 200
    soup = parse(staff.get(path))
    buttons = {b["value"]: b.get_text() for b in soup.select("button[name=do]")}
    assert buttons == {"publish": "更新", "unpublish": "撤回为草稿"}

    back = staff.post(
        path,
        data=form_data(
            title="关于本站", slug="about", body="新的正文", version=3, do="unpublish"
        ),
    )
    assert back.status_code == 303
    assert client.get("/page/about/").status_code == 404
    with app.app_context():
        page = page_by_slug("about")
        assert page.status == PageStatus.DRAFT and page.version == 4
        assert actions() == [
            "page-create",
            "page-save",
            "page-publish",
            "page-unpublish",
        ]
        numbers = db.session.scalars(
            select(Revision.number).where(Revision.target_id == page.id)
        )
        assert sorted(numbers) == [1, 2, 3, 4]


def test_trash_restore_and_delete(app, staff, client, add_page):
    page_id = add_page("关于我们", slug="about")
    child_id = add_page("团队", slug="team", parent_id=page_id)

    # deleting for good is only for the trash
    refused = staff.post(
        f"/moderation/pages/{page_id}/delete",
        headers={"Referer": "http://localhost/moderation/pages"},
    )
    assert refused.status_code == 303
    assert refused.headers["Location"] == "/moderation/pages"
    with app.app_context():
        assert page_by_slug("about") is not None

    trashed = staff.post(f"/moderation/pages/{page_id}/trash")
    assert trashed.status_code == 303
    assert trashed.headers["Location"] == "/moderation/pages"
    assert client.get("/page/about/").status_code == 404
    trash_tab = parse(staff.get("/moderation/pages?status=trash"))
    assert [
        a.get_text() for a in trash_tab.select(".page-table tbody td:first-child a")
    ] == ["关于我们"]

    restored = staff.post(f"/moderation/pages/{page_id}/restore")
    assert restored.status_code == 303
    with app.app_context():
        assert page_by_slug("about").status == PageStatus.DRAFT

    staff.post(f"/moderation/pages/{page_id}/trash")
    deleted = staff.post(f"/moderation/pages/{page_id}/delete")
    assert deleted.status_code == 303
    assert deleted.headers["Location"] == "/moderation/pages?status=trash"
    with app.app_context():
        assert page_by_slug("about") is None
        assert db.session.get(Page, child_id).parent_id is None  # moved up
        assert (
            db.session.scalar(
                select(func.count(Revision.id)).where(
                    Revision.target_id == page_id, Revision.target_type == "page"
                )
            )
            == 0
        )
        assert actions()[-4:] == [
            "page-trash",
            "page-restore",
            "page-trash",
            "page-delete",
        ]


def test_missing_pages_are_404(staff):
    assert staff.get("/moderation/pages/999").status_code == 404
    assert staff.post("/moderation/pages/999/trash").status_code == 404
    assert staff.post("/moderation/pages/999", data=form_data()).status_code == 404


def test_a_taken_slug_is_refused_with_the_text_kept(app, staff, add_page):
    add_page("关于我们", slug="about")

    response = staff.post(
        "/moderation/pages/new",
        data=form_data(title="另一个", slug="about", body="我写的正文"),
    )

    assert response.status_code == 400
    soup = parse(response)
    assert "已被页面《关于我们》使用" in soup.select_one("#slug-error").get_text()
    assert soup.select_one("input[name=title]")["value"] == "另一个"
    assert body_text(soup) == "我写的正文"
    with app.app_context():
        assert count_pages() == 1


def test_a_slug_with_bad_characters_is_refused(app, staff):
    for slug in ("关于", "about us", "about/x", "-about", "a_b", "a" * 201):
        response = staff.post("/moderation/pages/new", data=form_data(slug=slug))
        assert response.status_code == 400, slug
        assert parse(response).select_one("#slug-error") is not None, slug
    with app.app_context():
        assert count_pages() == 0


def test_the_same_title_gets_a_numbered_slug(app, staff):
    staff.post("/moderation/pages/new", data=form_data())
    staff.post("/moderation/pages/new", data=form_data())
    with app.app_context():
        assert sorted(db.session.scalars(select(Page.slug))) == [
            "guan-yu-wo-men", "guan-yu-wo-men-2",
        ]  # fmt: skip


def test_an_upper_case_slug_is_lowered(app, staff):
    assert (
        staff.post("/moderation/pages/new", data=form_data(slug="About-Us")).status_code
        == 303
    )
    with app.app_context():
        assert page_by_slug("about-us") is not None


def test_an_empty_title_is_refused(app, staff):
    response = staff.post(
        "/moderation/pages/new", data=form_data(title="  ", body="正文留着")
    )
    assert response.status_code == 400
    soup = parse(response)
    assert soup.select_one(".has-error input[name=title]") is not None
    assert body_text(soup) == "正文留着"
    with app.app_context():
        assert count_pages() == 0


def test_a_parent_cycle_is_refused(app, staff, add_page):
    top = add_page("关于我们", slug="about")
    middle = add_page("团队", slug="team", parent_id=top)
    bottom = add_page("成员", slug="members", parent_id=middle)
    path = f"/moderation/pages/{top}"

    # the select offers neither the page itself nor its descendants
    options = {
        o["value"]
        for o in parse(staff.get(path)).select("select[name=parent_id] option")
    }
    assert (
        str(top) not in options
        and str(middle) not in options
        and str(bottom) not in options
    )

    for parent in (top, middle, bottom):
        response = staff.post(
            path,
            data=form_data(title="关于我们", slug="about", parent_id=parent, version=1),
        )
        assert response.status_code == 400
    with app.app_context():
        assert page_by_slug("about").parent_id is None
        assert page_by_slug("about").version == 1

    # and the service says why, when asked directly
    with app.app_context():
        actor = user_named("editor-user")
        try:
            save_page(
                top, actor, PageInput("关于我们", slug="about", parent_id=bottom), 1
            )
        except Exception as error:  # noqa: BLE001
            assert "下级页面" in str(error)
        else:
            raise AssertionError("the cycle was stored")


def test_a_page_can_move_under_another(app, staff, add_page):
    top = add_page("关于我们", slug="about")
    other = add_page("团队", slug="team")

    response = staff.post(
        f"/moderation/pages/{other}",
        data=form_data(title="团队", slug="team", parent_id=top, version=1),
    )

    assert response.status_code == 303
    with app.app_context():
        assert page_by_slug("team").parent_id == top
    rows = parse(staff.get("/moderation/pages")).select(".page-table tbody tr")
    assert [(r.select_one("td a").get_text(), r["data-depth"]) for r in rows] == [
        ("关于我们", "0"), ("团队", "1"),
    ]  # fmt: skip


def test_the_list_has_tabs_with_counts_in_tree_order(staff, add_page):
    about = add_page("关于我们", slug="about", position=1)
    add_page("联系我们", slug="contact", position=0)
    add_page("团队", slug="team", parent_id=about, position=5)
    add_page("历史", slug="history", parent_id=about, position=2)
    add_page("草稿页", slug="draft-page", publish=False)

    soup = parse(staff.get("/moderation/pages"))

    tabs = {a.get_text(" ", strip=True) for a in soup.select(".queue-tabs a")}
    assert tabs == {"全部 5", "已发布 4", "草稿 1", "回收站 0"}
    rows = [
        (r.select_one("td a").get_text(), r["data-depth"])
        for r in soup.select(".page-table tbody tr")
    ]
    assert rows == [
        ("联系我们", "0"),
        ("草稿页", "0"),
        ("关于我们", "0"),
        ("历史", "1"),
        ("团队", "1"),
    ]
    assert soup.select_one("a[href='/moderation/pages/new']").get_text() == "新建页面"
    drafts = parse(staff.get("/moderation/pages?status=draft"))
    assert [
        a.get_text() for a in drafts.select(".page-table tbody td:first-child a")
    ] == ["草稿页"]


def test_a_late_save_is_refused_with_the_diff_and_the_text_kept(
    app, client, login, editor, admin, add_page
):
    page_id = add_page("关于我们", slug="about", body_markdown="第一行\n第二行")
    path = f"/moderation/pages/{page_id}"
    other = app.test_client()
    login(editor)
    assert (
        other.post(
            "/auth/login",
            data={"username": admin, "password": "correct horse battery staple"},
        ).status_code
        == 303
    )

    # both load version 1; the admin saves first
    first = other.post(
        path,
        data=form_data(
            title="关于我们",
            slug="about",
            body="第一行\n管理员改的",
            version=1,
            do="publish",
        ),
    )
    assert first.status_code == 303

    late = client.post(
        path,
        data=form_data(
            title="关于我们",
            slug="about",
            body="第一行\n编辑改的",
            version=1,
            do="publish",
        ),
    )

    assert late.status_code == 409
    soup = parse(late)
    assert body_text(soup) == "第一行\n编辑改的"
    assert soup.select_one("input[name=version]")["value"] == "2"
    notice = soup.select_one(".conflict").get_text()
    assert "在你编辑期间" in notice and "admin-user" in notice
    assert [
        d.get_text() for d in soup.select(".conflict .diff-lines .diff-del del")
    ] == ["管理员改的"]
    assert [
        i.get_text() for i in soup.select(".conflict .diff-lines .diff-add ins")
    ] == ["编辑改的"]
    # the preview shows the user's text, as readers would see it
    assert (
        soup.select_one("[data-preview-target]").get_text(strip=True)
        == "第一行\n编辑改的"
    )
    with app.app_context():
        page = page_by_slug("about")
        assert page.body_markdown == "第一行\n管理员改的" and page.version == 2

    # saving again from that page overwrites on purpose
    again = client.post(
        path,
        data=form_data(
            title="关于我们",
            slug="about",
            body="第一行\n编辑改的",
            version=2,
            do="publish",
        ),
    )
    assert again.status_code == 303
    with app.app_context():
        page = page_by_slug("about")
        assert page.body_markdown == "第一行\n编辑改的" and page.version == 3


def test_the_allow_comments_box_opens_and_closes_the_page_for_comments(
    app, staff, client, add_page
):
    """允许评论: off for a new page; ticked, the page shows the comment form;
    cleared again, the form is gone (and posts are refused)."""
    new = parse(staff.get("/moderation/pages/new"))
    box = new.select_one("input[type=checkbox][name=allow_comments]")
    assert box is not None and not box.has_attr("checked")
    assert "允许评论" in box.find_parent(class_="field").get_text()
    page_id = add_page("留言板", slug="guestbook")
    assert parse(client.get("/page/guestbook/")).select_one("#comments") is None

    response = staff.post(
        f"/moderation/pages/{page_id}",
        data=form_data(title="留言板", slug="guestbook", version="1", do="publish",
                       allow_comments="y"),
    )  # fmt: skip

    assert response.status_code == 303
    with app.app_context():
        assert page_by_slug("guestbook").allow_comments
    editor = parse(staff.get(f"/moderation/pages/{page_id}"))
    assert editor.select_one("input[name=allow_comments]").has_attr("checked")
    shown = parse(client.get("/page/guestbook/"))
    assert shown.select_one("#comments")["data-count"] == "0"
    assert shown.select_one("form#comment-form") is not None

    staff.post(
        f"/moderation/pages/{page_id}",
        data=form_data(title="留言板", slug="guestbook", version="2", do="publish"),
    )

    with app.app_context():
        assert not page_by_slug("guestbook").allow_comments
    assert parse(client.get("/page/guestbook/")).select_one("#comments") is None
