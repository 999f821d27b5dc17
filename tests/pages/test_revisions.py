"""Revisions of a page: the list, the diff between any two, restoring one."""

from __future__ import annotations

from sqlalchemy import select

from cms.extensions import db
from cms.models import Revision
from tests.pages.conftest import actions, form_data, page_by_slug, parse


def _three_versions(staff, add_page) -> int:
    page_id = add_page("关于我们", slug="about", body_markdown="第一行\n第二行")
    path = f"/moderation/pages/{page_id}"
    assert (
        staff.post(
            path,
            data=form_data(
                title="关于本站",
                slug="about",
                body="第一行\n第二行改了",
                version=1,
                do="publish",
            ),
        ).status_code
        == 303
    )
    assert (
        staff.post(
            path,
            data=form_data(
                title="关于本站",
                slug="about-us",
                body="第一行\n第三行",
                position=3,
                version=2,
                do="publish",
            ),
        ).status_code
        == 303
    )
    return page_id


def test_the_list_shows_every_revision(staff, add_page):
    page_id = _three_versions(staff, add_page)

    soup = parse(staff.get(f"/moderation/pages/{page_id}/revisions"))

    rows = soup.select(".revision-table tbody tr")
    assert [r["data-number"] for r in rows] == ["3", "2", "1"]
    assert [r.select("td")[5].get_text() for r in rows] == ["发布", "发布", "发布"]
    assert soup.select_one("input[name=a][checked]")["value"] == "2"
    assert soup.select_one("input[name=b][checked]")["value"] == "3"
    # no restore button on the current revision
    assert len(soup.select("form[action$='/restore']")) == 2


def test_the_diff_shows_what_changed(staff, add_page):
    page_id = _three_versions(staff, add_page)

    soup = parse(staff.get(f"/moderation/pages/{page_id}/diff?a=1&b=3"))

    title = soup.select_one(".diff-title")
    assert (title.select_one("del").get_text(), title.select_one("ins").get_text()) == (
        "关于我们", "关于本站",
    )  # fmt: skip
    fields = {
        row.select_one("th").get_text(): (
            row.select_one("del").get_text(),
            row.select_one("ins").get_text(),
        )
        for row in soup.select(".diff-fields tbody tr")
    }
    assert fields["网址别名"] == ("about", "about-us")
    assert fields["排序"] == ("0", "3")
    assert [d.get_text() for d in soup.select(".diff-lines .diff-del del")] == [
        "第二行"
    ]
    assert [i.get_text() for i in soup.select(".diff-lines .diff-add ins")] == [
        "第三行"
    ]
    # the picker starts on the two compared revisions; restoring the old one is offered
    assert soup.select_one("#pick-a option[selected]")["value"] == "1"
    assert soup.select_one("#pick-b option[selected]")["value"] == "3"
    assert soup.select_one("form.restore-form")["action"].endswith(
        "/revisions/1/restore"
    )


def test_bad_revision_numbers_are_404(staff, add_page):
    page_id = _three_versions(staff, add_page)
    for query in ("a=1&b=9", "a=0&b=1", "a=x&b=1", "b=1", ""):
        assert (
            staff.get(f"/moderation/pages/{page_id}/diff?{query}").status_code == 404
        ), query
    assert (
        staff.post(f"/moderation/pages/{page_id}/revisions/9/restore").status_code
        == 404
    )
    assert staff.get("/moderation/pages/999/revisions").status_code == 404


def test_restoring_a_revision_is_a_new_revision(app, staff, add_page):
    page_id = _three_versions(staff, add_page)

    response = staff.post(f"/moderation/pages/{page_id}/revisions/1/restore")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/moderation/pages/{page_id}"
    with app.app_context():
        page = page_by_slug("about")
        assert (page.title, page.body_markdown, page.position) == (
            "关于我们",
            "第一行\n第二行",
            0,
        )
        assert page.version == 4
        latest = db.session.scalar(
            select(Revision)
            .where(Revision.target_id == page_id)
            .order_by(Revision.number.desc())
        )
        assert (latest.number, latest.note) == (4, "恢复到第 1 版")
        assert actions()[-1] == "page-revision-restore"
    assert staff.get("/page/about/").status_code == 200


def test_restore_keeps_a_slug_taken_since(app, staff, add_page):
    page_id = _three_versions(staff, add_page)  # now about-us; revision 1 had about
    add_page("新的关于", slug="about")

    assert (
        staff.post(f"/moderation/pages/{page_id}/revisions/1/restore").status_code
        == 303
    )

    with app.app_context():
        assert page_by_slug("about-us").title == "关于我们"
