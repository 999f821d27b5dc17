"""The audit log page: admins only; every recorded action with who, when,
what, the targets, from → to and why; filters; keyset pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select

from cms.extensions import db
from cms.models import AuditEntry, User
from cms.services.categories import create_category, merge_categories
from cms.services.moderation import apply_action, undo
from cms.services.page_edits import PageInput
from cms.services.pages import create_page
from cms.services.settings import update_settings
from tests.audit.helpers import entry_ids, notices, soup_of
from tests.factories import make_article, make_comment, make_user


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("editor", 403), ("contributor", 403)]
)
def test_admins_only(request, client, login, role, status):
    login(request.getfixturevalue(role))

    assert client.get("/moderation/audit").status_code == status


def test_anonymous_visitors_log_in_first(client):
    response = client.get("/moderation/audit")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/auth/login"


def test_a_comment_queue_action_shows_who_what_and_from_to(app, admin_client, admin):
    with app.app_context():
        article = make_article(title="被评论的文章", owner=make_user(password=None))
        comments = [make_comment(article, status="pending") for _ in range(2)]
        actor = db.session.scalar(select(User).where(User.username == admin))
        entry = apply_action([c.id for c in comments], "approve", actor, "看过了").entry
        entry_id, ids = entry.id, [c.id for c in comments]

    soup = soup_of(admin_client.get("/moderation/audit"))

    row = soup.select_one(f"tr[data-entry='{entry_id}']")
    assert row.select_one(".audit-actor").get_text(strip=True) == "admin-user"
    assert row.select_one(".audit-action").get_text(strip=True) == "批准"
    assert row.select_one(".audit-count").get_text(strip=True) == "2 个评论"
    links = [a["href"] for a in row.select(".audit-target-list a")]
    assert links == [f"/moderation/comments/{i}/edit" for i in ids]
    changes = row.select(".change-list li")
    assert [li.select_one(".change-key").get_text() for li in changes] == [
        f"#{i}" for i in ids
    ]
    assert {li.select_one(".change-from").get_text() for li in changes} == {"待审"}
    assert {li.select_one(".change-to").get_text() for li in changes} == {"已批准"}
    assert row.select_one(".audit-reason").get_text(strip=True) == "看过了"
    assert row.select_one("time")["datetime"].endswith("+08:00")  # site zone


def test_an_undone_action_is_marked_and_a_deleted_snapshot_collapsed(app, admin_client):
    with app.app_context():
        article = make_article(owner=make_user(password=None))
        comment = make_comment(article, status="trash", body="要删除的评论" * 20)
        other = make_comment(article, status="pending")
        deleted = apply_action([comment.id], "delete", None).entry.id
        spammed = apply_action([other.id], "spam", None).entry.id
        undo(spammed, None)

    soup = soup_of(admin_client.get("/moderation/audit"))

    assert soup.select_one(f"tr[data-entry='{spammed}'] .chip").text == "已撤销"
    row = soup.select_one(f"tr[data-entry='{deleted}']")
    assert row.select_one(".audit-actor").get_text(strip=True) == "系统"
    assert row.select_one(".chip") is None
    details = row.select_one("details.change-long")
    assert details is not None and "要删除的评论" in details.get_text()
    assert row.select_one(".change-to").get_text() == "已删除"
    # the deleted comment no longer exists: no link, only its id
    assert row.select(".audit-target-list a") == []
    assert f"#{comment.id}" in row.select_one(".audit-target-list").get_text()


def test_category_actions_link_their_targets_and_read_well(app, admin_client, admin):
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == admin))
        a = create_category("甲", actor, slug="a")
        b = create_category("乙", actor, slug="b")
        article = make_article(owner=make_user(password=None))
        article.category_id = a.id
        db.session.commit()
        merge_categories(a.id, b.id, actor)
        b_id, article_id = b.id, article.id

    soup = soup_of(admin_client.get("/moderation/audit"))

    merge_row = soup.select("tr[data-entry]")[0]
    assert merge_row.select_one(".audit-action").get_text(strip=True) == "合并分类"
    assert [a["href"] for a in merge_row.select(".audit-target-list a")] == [
        f"/moderation/categories/{b_id}"
    ]
    text = merge_row.select_one(".audit-changes").get_text(" ", strip=True)
    assert f"移动的文章 {article_id}" in text
    assert "旧地址跳转 a → b" in text
    assert "合并到:" in text


def test_filters_by_actor_action_and_target_type(app, admin_client, add_entry):
    with app.app_context():
        alice = make_user("alice", password=None, display_name="爱丽丝").id
        bob = make_user("bob", password=None).id
    mine = add_entry("category-create", actor=alice)
    add_entry("category-create", actor=bob)
    theirs = add_entry("approve", actor=bob, target_type="comment")
    nobody = add_entry("approve", target_type="comment")

    by_actor = soup_of(admin_client.get(f"/moderation/audit?actor={alice}"))
    assert entry_ids(by_actor) == [mine]
    assert (
        by_actor.select_one("#audit-actor option[selected]").text == "爱丽丝（alice）"
    )
    by_action = soup_of(admin_client.get("/moderation/audit?action=approve"))
    assert entry_ids(by_action) == [nobody, theirs]
    both = soup_of(admin_client.get(f"/moderation/audit?action=approve&actor={bob}"))
    assert entry_ids(both) == [theirs]
    system = soup_of(admin_client.get("/moderation/audit?actor=system"))
    assert entry_ids(system) == [nobody]
    by_type = soup_of(admin_client.get("/moderation/audit?target_type=comment"))
    assert entry_ids(by_type) == [nobody, theirs]
    # the selects offer the actions and types the log holds
    actions = [o["value"] for o in by_type.select("#audit-action option")]
    assert actions == ["", "approve", "category-create"]


def test_filters_by_dates_in_the_site_zone_and_by_reason(app, admin_client, add_entry):
    # Asia/Shanghai is UTC+8: 16:30 UTC on 1 May is 00:30 on 2 May there.
    late_1st = add_entry("approve", datetime(2024, 5, 1, 15, 59, tzinfo=UTC))
    early_2nd = add_entry("approve", datetime(2024, 5, 1, 16, 30, tzinfo=UTC),
                          reason="垃圾广告 100%")  # fmt: skip
    late_2nd = add_entry("approve", datetime(2024, 5, 2, 15, 59, tzinfo=UTC))
    add_entry("approve", datetime(2024, 5, 2, 16, 0, tzinfo=UTC))

    day = soup_of(
        admin_client.get("/moderation/audit?since=2024-05-02&until=2024-05-02")
    )
    assert entry_ids(day) == [late_2nd, early_2nd]
    until = soup_of(admin_client.get("/moderation/audit?until=2024-05-01"))
    assert entry_ids(until) == [late_1st]
    text = soup_of(admin_client.get("/moderation/audit?text=100%"))
    assert entry_ids(text) == [early_2nd]  # % is not a wildcard


def test_a_filter_that_matches_nothing_shows_an_empty_state(
    app, admin_client, add_entry
):
    add_entry("approve", reason="正常")

    soup = soup_of(admin_client.get("/moderation/audit?text=找不到的说明"))

    assert entry_ids(soup) == []
    assert soup.select_one(".empty").get_text(strip=True) == "没有符合条件的记录。"
    assert soup.select_one("a[rel=next]") is None


def test_bad_filter_values_are_ignored_with_a_notice(app, admin_client, add_entry):
    ids = [add_entry("approve"), add_entry("ban", target_type="comment")]

    for query, notice in [
        ("actor=999999", "操作人“999999”不存在"),
        ("actor=abc", "操作人“abc”不存在"),
        ("since=2024-13-45", "开始日期“2024-13-45”无效"),
        ("until=yesterday", "结束日期“yesterday”无效"),
        ("action=no-such-action", "操作“no-such-action”不存在"),
        ("target_type=planet", "对象类型“planet”不存在"),
        ("since=2024-05-03&until=2024-05-01", "开始日期晚于结束日期"),
        ("after=garbage", "分页位置无效"),
        ("after=99999999999999999999999999_1", "分页位置无效"),
    ]:
        soup = soup_of(admin_client.get(f"/moderation/audit?{query}"))
        assert any(notice in n for n in notices(soup)), query
        assert sorted(entry_ids(soup)) == sorted(ids), query


def test_keyset_pages_show_every_entry_once_newest_first(app, admin_client, add_entry):
    start = datetime(2024, 1, 1, tzinfo=UTC)
    # 120 entries, several sharing a time (the id breaks the tie)
    made = [add_entry("approve", start + timedelta(minutes=i // 3)) for i in range(120)]
    expected = sorted(made, key=lambda i: (made.index(i) // 3, i), reverse=True)

    seen, path, pages = [], "/moderation/audit?action=approve", 0
    while path:
        soup = soup_of(admin_client.get(path))
        seen += entry_ids(soup)
        pages += 1
        link = soup.select_one("a[rel=next]")
        path = link["href"] if link else None
        if link:
            assert link.get_text(strip=True) == "更早的记录"
            assert parse_qs(urlsplit(path).query)["action"] == ["approve"]

    assert pages == 3
    assert seen == expected
    assert len(set(seen)) == 120


def test_a_page_costs_the_same_queries_however_many_targets(
    app, admin_client, add_entry
):
    with app.app_context():
        owner = make_user(password=None)
        articles = [make_article(owner=owner).id for _ in range(6)]
        users = [make_user(password=None).id for _ in range(3)]

    def queries() -> int:
        statements = []
        with app.app_context():
            engine = db.engine
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listen)
        try:
            soup_of(admin_client.get("/moderation/audit"))
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        return len(statements)

    add_entry("edit", target_type="article", target_ids=articles[:1])
    add_entry("user-update", target_type="user", target_ids=users[:1])
    few = queries()
    for i in range(20):
        add_entry("edit", target_type="article", target_ids=articles[i % 6 :])
        add_entry("user-update", target_type="user", target_ids=users)

    assert queries() == few, few
    with app.app_context():
        assert db.session.scalar(select(db.func.count(AuditEntry.id))) == 42


def test_pages_and_settings_entries_read_in_words(app, admin_client, admin):
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == admin))
        page = create_page(
            PageInput("关于我们", "正文", slug="about"), actor, publish=True
        )
        update_settings({"site.name": "新站名", "comments.max_depth": "3"}, actor)
        page_id = page.id

    soup = soup_of(admin_client.get("/moderation/audit"))

    page_row, settings_row = None, None
    for row in soup.select("tr[data-entry]"):
        action = row.select_one(".audit-action").get_text(strip=True)
        if action == "修改设置":
            settings_row = row
        elif row.select_one(".audit-count").get_text(strip=True) == "1 个页面":
            page_row = row
    assert settings_row.select_one(".audit-count").get_text(strip=True) == "2 个设置"
    assert [a["href"] for a in page_row.select(".audit-target-list a")] == [
        f"/moderation/pages/{page_id}"
    ]
    assert "已发布" in page_row.select_one(".change-list").get_text()
