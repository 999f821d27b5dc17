"""What the queue and the dashboard show: tabs with kept counts, filters,
order, keyset pages, and each row's facts, safely escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from cms.models import utcnow
from cms.services.moderation import apply_action
from cms.services.reasons import reason
from tests.moderation.helpers import add_comment, add_comments


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def row_ids(soup) -> list[int]:
    return [int(li["data-id"]) for li in soup.select("li.queue-row")]


def test_tabs_show_the_kept_counts_and_the_current_tab(app, staff, article):
    with app.app_context():
        add_comments(article, 3)
        add_comments(article, 2, status="approved")
        add_comment(article, status="spam")

    soup = soup_of(staff.get("/moderation/comments?status=approved&author=读"))

    tabs = {a.get_text(" ", strip=True): a for a in soup.select(".queue-tabs a")}
    assert list(tabs) == ["待审 3", "已批准 2", "垃圾 1", "回收站 0"]
    assert tabs["已批准 2"]["aria-current"] == "page"
    # switching tab keeps the filter
    assert parse_qs(urlsplit(tabs["垃圾 1"]["href"]).query) == {
        "status": ["spam"], "author": ["读"]}  # fmt: skip
    assert len(soup.select("li.queue-row")) == 2
    assert soup.select_one(".nav-badge").get_text(strip=True).startswith("3")


def test_an_unknown_tab_is_the_pending_one_and_a_bad_cursor_is_400(staff):
    soup = soup_of(staff.get("/moderation/comments?status=deleted"))
    assert soup.select_one(".queue-tabs [aria-current]").get_text().startswith("待审")
    assert staff.get("/moderation/comments?after=nonsense").status_code == 400


def test_filters(app, staff, article, other_article):
    with app.app_context():
        a = add_comment(
            article,
            author_name="张三",
            author_email="zhang@example.cn",
            ip="192.0.2.1",
            body="关于还款的问题",
        ).id
        b = add_comment(
            other_article,
            author_name="李四",
            author_email="li@example.cn",
            ip="192.0.2.2",
            body="加微信领取资料",
        ).id
        c = add_comment(article, author_name="张小三", author_email="x@example.cn",
                        ip="192.0.2.1", body="100%_确定").id  # fmt: skip

    def shown(query: str) -> set[int]:
        return set(row_ids(soup_of(staff.get(f"/moderation/comments?{query}"))))

    assert shown("") == {a, b, c}
    assert shown(f"article={other_article.public_id}") == {b}
    assert shown("author=张") == {a, c}
    assert shown("email=ZHANG@example.cn") == {a}
    assert shown("ip=192.0.2.1") == {a, c}
    assert shown("text=微信") == {b}
    assert shown("text=%25_") == {c}  # LIKE wildcards are literal
    assert shown("author=张&ip=192.0.2.1&text=还款") == {a}
    assert shown("status=approved&author=张") == set()


def test_newest_first_oldest_with_order_and_keyset_pages(app, staff, article):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with app.app_context():
        ids = [
            add_comment(article, created_at=base + timedelta(minutes=i),
                        author_email="p@example.cn").id
            for i in range(55)
        ]  # fmt: skip
        add_comment(article, created_at=base, author_email="q@example.cn")

    first = soup_of(staff.get("/moderation/comments?email=p@example.cn"))
    assert row_ids(first) == ids[::-1][:50]
    more = first.select_one(".queue-pages a[rel=next]")
    assert more.get_text() == "下一页"
    query = parse_qs(urlsplit(more["href"]).query)
    assert query["email"] == ["p@example.cn"] and query["status"] == ["pending"]
    assert first.find("a", string="回到第一页") is None

    second = soup_of(staff.get(more["href"]))
    assert row_ids(second) == ids[::-1][50:]
    assert second.select_one(".queue-pages a[rel=next]") is None
    back = second.find("a", string="回到第一页")
    assert parse_qs(urlsplit(back["href"]).query) == {
        "status": ["pending"], "email": ["p@example.cn"]}  # fmt: skip
    # the bulk form on page 2 posts back to page 2
    action = parse_qs(urlsplit(second.select_one("form#bulk")["action"]).query)
    assert action["after"] == query["after"]

    oldest = soup_of(staff.get("/moderation/comments?email=p@example.cn&order=oldest"))
    assert row_ids(oldest) == ids[:50]
    after = parse_qs(urlsplit(oldest.select_one("a[rel=next]")["href"]).query)
    assert after["order"] == ["oldest"]


def test_a_row_shows_what_an_editor_needs_safely(app, staff, article):
    with app.app_context():
        parent = add_comment(article, status="approved", author_name="楼主",
                             body="原帖的内容").id  # fmt: skip
        add_comment(article, status="spam", author_email="sus@example.cn")
        add_comment(article, status="approved", author_email="sus@example.cn")
        add_comment(article, status="approved", author_email="sus@example.cn")
        evil = add_comment(
            article,
            author_name='<img src=x onerror="alert(1)">',
            author_email="sus@example.cn",
            author_url="javascript:alert(1)",
            ip="198.51.100.7",
            body='<script>alert("x")</script> 看这里 http://spam.example/a',
            reasons=[
                reason("links", count=2),
                reason("held_word", rule="加微信"),
                reason("first_comment"),
                reason("too_fast"),
                reason("from_the_future", level=9),
            ],
            parent=_comment(parent),
            created_at=datetime(2026, 3, 1, 4, 5, tzinfo=UTC),
        ).id
        linked = add_comment(article, author_url="https://fine.example/").id

    soup = soup_of(staff.get("/moderation/comments"))
    row = soup.select_one(f"li#row-{evil}")

    assert row.select_one("script") is None and row.select_one("img") is None
    assert '<script>alert("x")</script>' in row.select_one(".row-body").get_text()
    body_link = row.select_one(".row-body a")
    assert (
        body_link["href"] == "http://spam.example/a" and "nofollow" in body_link["rel"]
    )
    author = row.select_one(".row-author")
    assert author.select_one("a") is None  # javascript: is never a link
    assert author.get_text(strip=True) == '<img src=x onerror="alert(1)">'
    assert "javascript:alert(1)" in row.select_one(".row-site").get_text()
    good = soup.select_one(f"li#row-{linked} .row-author a")
    assert good["href"] == "https://fine.example/" and "nofollow" in good["rel"]

    meta = row.select_one(".row-meta").get_text(" ", strip=True)
    assert "sus@example.cn" in meta and "198.51.100.7" in meta
    assert row.select_one("time").get_text() == "2026-03-01 12:05"  # Asia/Shanghai
    article_link = row.select_one(".row-article a")
    assert article_link["href"] == f"/{article.public_id}.html"
    assert "楼主" in row.select_one(".row-parent").get_text()
    assert "原帖的内容" in row.select_one(".row-parent").get_text()

    chips = [
        (li.get_text(), li["data-code"], "chip-warn" in li["class"])
        for li in row.select(".chips li")
    ]
    assert chips == [
        ("2 个链接", "links", True),
        ("关键词：加微信", "held_word", True),
        ("首次评论", "first_comment", False),
        ("提交太快", "too_fast", True),
        ("其他原因", "from_the_future", False),  # a code this version does not know
    ]
    history = row.select_one(".row-history")
    assert "已通过 2 条 · 垃圾 1 条" in history.get_text()
    assert (
        history.select_one("a")["href"] == "/moderation/commenters?email=sus@example.cn"
    )

    buttons = {b["value"]: b for b in row.select("button[name=action]")}
    assert {v: b.get_text() for v, b in buttons.items()} == {
        "approve": "批准", "spam": "垃圾", "trash": "回收站"}  # fmt: skip
    own = soup.select_one(f"form#act-{evil}")
    assert buttons["approve"]["form"] == f"act-{evil}"
    assert own.select_one("input[name=ids]")["value"] == str(evil)
    assert own["method"] == "post" and own.select_one("input[name=csrf_token]")
    action = urlsplit(own["action"])
    assert action.path == "/moderation/comments"
    assert parse_qs(action.query) == {"status": ["pending"]}
    assert row.select_one("input[name=ids][form=bulk]")["value"] == str(evil)
    assert row.select_one("details.row-reply textarea[name=body]") is not None
    ban = row.select_one("details.row-ban form")
    assert ban["action"] == f"/moderation/comments/{evil}/ban?status=pending"
    assert ban.select_one("input[name=spam_pending]").has_attr("checked")
    assert ban.select_one("input[name=by_email]").has_attr("checked")
    assert {i["name"] for i in ban.select("input[type=checkbox]")} == {
        "by_email", "by_ip", "ip_range", "spam_pending"}  # fmt: skip


def _comment(comment_id: int):
    from cms.extensions import db
    from cms.models import Comment

    return db.session.get(Comment, comment_id)


def test_each_tab_offers_its_actions(app, staff, article):
    with app.app_context():
        for status in ("approved", "spam", "trash"):
            add_comment(article, status=status)
    expected = {
        "approved": ["待审", "垃圾", "回收站"],
        "spam": ["恢复", "批准", "回收站"],
        "trash": ["恢复", "永久删除"],
    }
    for status, labels in expected.items():
        soup = soup_of(staff.get(f"/moderation/comments?status={status}"))
        row = soup.select_one("li.queue-row")
        assert [b.get_text() for b in row.select("button[name=action]")] == labels
        empty = soup.select_one("form.empty-form")
        assert (empty is not None) == (status != "approved")


def test_the_queue_loads_the_keyboard_script_and_its_help(staff):
    soup = soup_of(staff.get("/moderation/comments"))
    assert soup.select_one("script[src='/static/js/moderation.js']") is not None
    keys = [kbd.get_text() for kbd in soup.select("#kbd-help kbd")]
    assert keys == ["j", "k", "a", "s", "t", "u", "r", "x", "?", "Esc"]
    dashboard = soup_of(staff.get("/moderation/"))
    assert dashboard.select_one("script[src='/static/js/moderation.js']") is None


def test_an_empty_queue_says_so(staff):
    soup = soup_of(staff.get("/moderation/comments"))
    assert soup.select_one(".queue-empty").get_text() == "这里没有评论。"
    soup = soup_of(staff.get("/moderation/comments?text=不存在"))
    assert soup.select_one(".queue-empty").get_text() == "没有符合条件的评论。"


def test_dashboard_figures_and_latest_actions(app, staff, article, editor):
    with app.app_context():
        old = add_comment(article, created_at=utcnow() - timedelta(minutes=2)).id
        add_comment(article)
        spam = add_comment(article, status="approved").id
        from sqlalchemy import select

        from cms.extensions import db
        from cms.models import User

        me = db.session.scalar(select(User).where(User.username == editor))
        apply_action([spam, old], "spam", me)

    soup = soup_of(staff.get("/moderation/"))

    stats = {div.dt.get_text(): div.dd.get_text(" ", strip=True)
             for div in soup.select(".dash-section .stats > div")}  # fmt: skip
    assert stats["待审评论"] == "1 最早的已等待 不到 1 分钟"  # the older one: spam
    assert stats["今日阅读"] == "—"  # no tick yet today
    assert stats["今日评论"] == "3"
    assert stats["已发布"] == "1"
    row = soup.select_one(".audit-table tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[1:4] == [editor, "标为垃圾", "2"]


def test_dashboard_shows_the_age_of_the_oldest_pending(app, staff, article):
    with app.app_context():
        add_comment(article, created_at=utcnow() - timedelta(hours=5, minutes=3))

    soup = soup_of(staff.get("/moderation/"))

    assert (
        soup.select_one(".stat-pending .stat-note").get_text() == "最早的已等待 5 小时"
    )


def test_contributors_see_the_article_counts_only(client, login, contributor):
    login(contributor)
    soup = soup_of(client.get("/moderation/"))
    assert [h.get_text() for h in soup.select("h2")] == ["我的文章"]
    assert soup.select_one(".audit-table") is None
