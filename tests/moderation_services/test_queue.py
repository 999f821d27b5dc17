"""cms.services.queue: filters, order, keyset pages, "select all matching",
commenters' histories and parents, each in as few queries as promised."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.models import CommentStatus, utcnow
from cms.services.errors import InvalidInput
from cms.services.queue import (
    PAGE_SIZE,
    Cursor,
    History,
    QueueFilter,
    count_matching,
    histories,
    matching_ids,
    parents_of,
    queue_page,
)
from tests.factories import make_article
from tests.moderation_services.support import (
    add_comment,
    check_counts,
    counted_queries,
    fresh,
)

T0 = utcnow().replace(microsecond=0) - timedelta(days=3)


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def site(ctx):
    """Two articles and a spread of pending comments (and some others)."""
    first, second = make_article(), make_article()
    c = {}
    c["wang"] = add_comment(
        first,
        author_name="王小明",
        author_email="wang@example.cn",
        ip="203.0.113.7",
        body="写得很好，谢谢分享",
        created_at=at(1),
    )
    c["li"] = add_comment(
        first,
        author_name="李小明",
        author_email="li@example.cn",
        ip="203.0.113.70",
        body="50%_off 的优惠码在哪里",
        created_at=at(2),
    )
    c["percent"] = add_comment(
        second,
        author_name="100%_真人",
        author_email="p@example.cn",
        ip="2001:db8::1",
        body="50%Xoff 不是这个",
        created_at=at(3),
    )
    c["plain"] = add_comment(
        second,
        author_name="100abc真人",
        author_email="q@example.cn",
        ip="198.51.100.1",
        body="普通评论 a_b",
        created_at=at(4),
    )
    c["spam"] = add_comment(
        first,
        "spam",
        author_name="王小明",
        author_email="wang@example.cn",
        body="垃圾广告",
        created_at=at(5),
    )
    c["approved"] = add_comment(
        second,
        "approved",
        author_name="王小明",
        author_email="wang@example.cn",
        created_at=at(6),
    )
    check_counts()
    return {"first": first, "second": second, **{k: v.id for k, v in c.items()}}


def page_ids(filter_: QueueFilter, **kwargs) -> list[int]:
    return [c.id for c in queue_page(filter_, **kwargs).comments]


def test_the_pending_tab_newest_first_by_default(site):
    assert page_ids(QueueFilter()) == [
        site["plain"],
        site["percent"],
        site["li"],
        site["wang"],
    ]
    assert page_ids(QueueFilter(oldest_first=True)) == [
        site["wang"], site["li"], site["percent"], site["plain"]
    ]  # fmt: skip


def test_each_status_tab(site):
    assert page_ids(QueueFilter(status=CommentStatus.SPAM)) == [site["spam"]]
    assert page_ids(QueueFilter(status=CommentStatus.APPROVED)) == [site["approved"]]
    assert page_ids(QueueFilter(status=CommentStatus.TRASH)) == []


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("author", "小明", ["li", "wang"]),
        ("author", "王", ["wang"]),
        ("author", "100%", ["percent"]),  # % is a character, not a wildcard
        ("author", "100%_", ["percent"]),
        ("author", "0_", []),  # _ is a character too
        ("author", "100", ["plain", "percent"]),
        ("email", "wang@example.cn", ["wang"]),
        ("email", " WANG@Example.CN ", ["wang"]),  # an address, whatever its case
        ("email", "example.cn", []),  # the whole address, not a part
        ("ip", "203.0.113.7", ["wang"]),  # exactly: not 203.0.113.70
        ("ip", "2001:db8::1", ["percent"]),
        ("ip", "203.0.113", []),
        ("text", "50%_off", ["li"]),  # not "50%Xoff"
        ("text", "%", ["percent", "li"]),
        ("text", "_", ["plain", "li"]),
        ("text", "谢谢", ["wang"]),
        ("text", "广告", []),  # spam: another tab
    ],
)
def test_filters(site, field, value, expected):
    filter_ = QueueFilter(**{field: value})
    want = [site[name] for name in expected]
    assert page_ids(filter_) == want
    assert sorted(matching_ids(filter_)) == sorted(want)
    assert count_matching(filter_) == len(want)


def test_the_article_filter_takes_a_public_id(site):
    first, second = site["first"].public_id, site["second"].public_id
    assert page_ids(QueueFilter(article=first)) == [site["li"], site["wang"]]
    assert page_ids(QueueFilter(article=second)) == [site["plain"], site["percent"]]
    assert page_ids(QueueFilter(article="no-such-id")) == []
    both = QueueFilter(article=first, author="李")
    assert page_ids(both) == [site["li"]]
    spam = QueueFilter(
        status=CommentStatus.SPAM, article=first, email="wang@example.cn"
    )
    assert matching_ids(spam) == [site["spam"]]


def test_a_page_carries_its_articles(site):
    page = queue_page(QueueFilter())
    with counted_queries() as queries:
        titles = {c.article.title for c in page.comments}
    assert queries[0] == 0  # loaded with the page
    assert titles == {site["first"].title, site["second"].title}


@pytest.fixture
def many(ctx):
    """130 pending comments; runs of them share a created_at (40, then 25, then
    3 pairs) so page ends fall inside ties. Returns their ids, newest first."""
    articles = [make_article(), make_article()]
    times = [at(0)] * 40 + [at(1)] * 25 + [at(2), at(2), at(3), at(3), at(4), at(4)]
    times += [at(5 + n / 7) for n in range(130 - len(times))]
    made = []
    # Inserted out of order, so ids do not follow created_at.
    for n, when in sorted(enumerate(times), key=lambda p: (p[0] * 37) % 130):
        made.append((when, add_comment(articles[n % 2], created_at=when).id))
    add_comment(articles[0], "approved", created_at=at(0))  # another tab
    check_counts()
    made.sort(reverse=True)
    return [i for _, i in made]


def walk(filter_: QueueFilter, size: int) -> tuple[list[int], int]:
    ids, cursor, pages = [], None, 0
    while True:
        page = queue_page(filter_, after=cursor, size=size)
        pages += 1
        assert len(page.comments) <= size
        ids += [c.id for c in page.comments]
        if page.next_cursor is None:
            return ids, pages
        assert len(page.comments) == size
        cursor = page.next_cursor


@pytest.mark.parametrize("size", [PAGE_SIZE, 7, 1, 130, 200])
def test_keyset_pages_neither_skip_nor_repeat(many, size):
    newest, pages = walk(QueueFilter(), size)
    assert newest == many  # (created_at, id) descending: ties by id
    assert pages == max(1, -(-len(many) // size))
    oldest, _ = walk(QueueFilter(oldest_first=True), size)
    assert oldest == many[::-1]


def test_pages_stay_right_while_comments_leave_the_tab(many, actor):
    """Approving the rows already seen does not shift the next page."""
    from cms.services.moderation import apply_action

    first = queue_page(QueueFilter())
    apply_action([c.id for c in first.comments], "approve", actor)
    check_counts()
    second = queue_page(QueueFilter(), after=first.next_cursor)
    assert [c.id for c in second.comments] == many[PAGE_SIZE : 2 * PAGE_SIZE]


def test_a_cursor_is_exact_to_the_microsecond(ctx):
    when = utcnow().replace(microsecond=999_999)
    cursor = Cursor(when, 12)
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize(
    "cursor",
    ["abc", "123", "_5", "12_x", "1.5_3", "9" * 30 + "_1", "-9" + "9" * 20 + "_1"],
)
def test_an_invalid_cursor_is_invalid_input(ctx, cursor):
    with pytest.raises(InvalidInput):
        queue_page(QueueFilter(), after=cursor)


def test_histories_in_one_query(site, ctx):
    article = site["first"]
    for _ in range(2):
        add_comment(article, "approved", author_email="li@example.cn")
    add_comment(article, "spam", author_email="li@example.cn")
    add_comment(article, "trash", author_email="li@example.cn")  # counts neither
    fresh()
    emails = [
        "wang@example.cn",
        "li@example.cn",
        "p@example.cn",
        "nobody@example.cn",
        "",
    ]
    with counted_queries() as queries:
        found = histories(emails + ["li@example.cn"])
    assert queries[0] == 1
    assert found == {
        "wang@example.cn": History(approved=1, spam=1),
        "li@example.cn": History(approved=2, spam=1),
        "p@example.cn": History(),
        "nobody@example.cn": History(),
    }
    with counted_queries() as queries:
        assert histories(["", ""]) == {}
    assert queries[0] == 0


def test_parents_of_a_page_in_one_query(ctx, article):
    parent = add_comment(article, "approved", body="楼主")
    other = add_comment(article, "spam", body="另一条")
    replies = [
        add_comment(article, parent=parent),
        add_comment(article, parent=parent),
        add_comment(article, parent=other),
        add_comment(article),
    ]
    fresh()
    page = queue_page(QueueFilter())
    assert {c.id for c in page.comments} == {r.id for r in replies}
    with counted_queries() as queries:
        parents = parents_of(page.comments)
    assert queries[0] == 1
    assert {k: v.body for k, v in parents.items()} == {
        parent.id: "楼主",
        other.id: "另一条",
    }
    with counted_queries() as queries:
        assert parents_of([c for c in page.comments if c.parent_id is None]) == {}
    assert queries[0] == 0
