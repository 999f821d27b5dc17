"""Search: ranking (title first), highlighting, pagination, the index
following changes in their transaction, and queries that must never break
it. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.extensions import db
from cms.models import ArticleStatus, Role, SearchDocument
from cms.services import editorial
from cms.services.article_edits import ArticleEdit
from cms.services.search import search
from tests.factories import make_article, make_user

HOSTILE = [
    "",
    "   ",
    '"',
    "'",
    '"催收',
    "催收\"'; DROP TABLE articles; --",
    "NEAR(催收 逾期)",
    "催收 OR 逾期 NOT 征信 AND *",
    "title_terms: 催收",
    "^催收*",
    "{title_terms} : 催收",
    "(((",
    "催收)",
    "a & b | !c <-> d:*",
    "':* & '",
    "\\",
    "催" * 10_000,
    "x" * 10_000,
    "😀🎉🔥",
    "催收😀iPhone 16 USB-C",
    "iPhone 16 催收 USB-C 5G",
    "%_%",
    "null",
    "\u200b\u200d",
]


def _site():
    owner = make_user("writer", role=Role.EDITOR)
    a = make_article("微粒贷逾期多久会打电话催收", "微粒贷逾期以后，催收会先发短信。",
                     owner=owner, ago=timedelta(hours=5))  # fmt: skip
    b = make_article("信用卡还款日怎么算", "逾期后银行会安排催收，正文里提到催收两次。",
                     owner=owner, ago=timedelta(hours=1))  # fmt: skip
    c = make_article(
        "番茄炒蛋的做法", "家常菜，鸡蛋和番茄。", owner=owner, tags=("催收话题",)
    )
    d = make_article("USB-C 充电器怎么选", "iPhone 16 支持 USB-C 和 5G。", owner=owner)
    return owner, a, b, c, d


def test_title_matches_come_first_and_words_are_highlighted(ctx):
    _, a, b, _c, _d = _site()
    results = search("催收")
    titles = [str(h.title) for h in results.hits]
    assert results.total == 3  # a by its title, b by its body, c by its tag
    assert titles[0] == "微粒贷逾期多久会打电话<mark>催收</mark>"
    assert results.hits[1].public_id == b.public_id  # twice in the body
    assert "<mark>催收</mark>" in str(results.hits[1].snippet)


def test_tags_are_searched_and_english_tokens_stay_whole(ctx):
    _, _a, _b, c, d = _site()
    assert [h.public_id for h in search("催收话题").hits] == [c.public_id]
    found = search("usb-c")
    assert [h.public_id for h in found.hits] == [d.public_id]
    assert "<mark>USB-C</mark>" in str(found.hits[0].title)
    assert [h.public_id for h in search("iPhone 16").hits] == [d.public_id]
    # The part of a joined word is found too (the segmenter's search mode).
    assert [h.public_id for h in search("USB").hits] == [d.public_id]
    assert search("USB-A").hits == []


def test_every_term_must_match(ctx):
    _, a, *_ = _site()
    assert [h.public_id for h in search("微粒贷 短信").hits] == [a.public_id]
    assert search("微粒贷 番茄").hits == []


def test_the_index_follows_changes_in_their_transaction(ctx):
    owner, a, *_ = _site()
    editorial.save(owner, a.id, ArticleEdit("微粒贷还款提醒", "按时还款。"), a.version)
    assert db.session.get(SearchDocument, a.id).title_terms.startswith("微粒")
    assert [h.public_id for h in search("还款提醒").hits] == [a.public_id]
    assert a.public_id not in [h.public_id for h in search("短信").hits]
    article = db.session.get(type(a), a.id)
    editorial.save(owner, a.id, ArticleEdit(article.title, article.body_markdown),
                   article.version, "unpublish")  # fmt: skip
    assert db.session.get(SearchDocument, a.id) is None
    assert search("还款提醒").hits == []


def test_drafts_and_scheduled_articles_are_not_found(ctx):
    owner, *_ = _site()
    make_article("草稿里的催收秘籍", "催收", owner=owner, status=ArticleStatus.DRAFT)
    make_article("明天发布的催收文章", "催收", owner=owner, ago=timedelta(hours=-24))
    assert search("催收").total == 3


def test_pages(ctx):
    owner = make_user("writer", role=Role.EDITOR)
    for i in range(13):
        make_article(f"催收第{i}篇", "正文", owner=owner, ago=timedelta(minutes=i + 1))
    first, second = search("催收", page=1), search("催收", page=2)
    assert first.total == 13 and first.pages == 2
    assert len(first.hits) == 10 and len(second.hits) == 3
    assert not {h.public_id for h in first.hits} & {h.public_id for h in second.hits}
    assert search("催收", page=99).hits == []


def test_a_query_matching_more_than_the_window_ranks_title_matches_then_the_newest(
    ctx, monkeypatch
):
    """The work is bounded by WINDOW: the title matches first (from the
    titles' own index, however old), then the newest other matches until
    WINDOW are ranked; the rest are only counted as more."""
    from cms.services import search as search_service

    monkeypatch.setattr(search_service, "WINDOW", 4)
    owner = make_user("writer", role=Role.EDITOR)
    made = []
    for i in range(8):  # oldest first: ids grow with time
        title = f"催收第{i}篇" if i in (0, 5) else f"还款第{i}篇"
        made.append(make_article(title, "正文说到催收。", owner=owner,
                                 ago=timedelta(hours=10 - i)))  # fmt: skip
    results = search("催收")
    assert results.more and results.total == 4
    ids = [h.public_id for h in results.hits]
    # The two title matches first, the old one (0) too, though six newer
    # bodies hold the word; then the two newest body matches (7, 6).
    assert set(ids[:2]) == {made[0].public_id, made[5].public_id}
    assert ids[2:] == [made[7].public_id, made[6].public_id]
    assert search("第0篇").total == 1 and not search("第0篇").more


def test_title_matches_alone_can_fill_the_window(ctx, monkeypatch):
    from cms.services import search as search_service

    monkeypatch.setattr(search_service, "WINDOW", 3)
    owner = make_user("writer", role=Role.EDITOR)
    old = [make_article(f"催收第{i}篇", "正文", owner=owner,
                        ago=timedelta(hours=10 - i)) for i in range(4)]  # fmt: skip
    make_article("还款", "正文说到催收。", owner=owner)  # newest, body only
    results = search("催收")
    assert results.more and results.total == 3
    # The three newest title matches; the body match waits behind them.
    assert {h.public_id for h in results.hits} == {a.public_id for a in old[1:]}


def test_an_old_title_match_is_on_the_first_page_of_a_common_word(ctx, monkeypatch):
    """Many newer articles hold the word in their bodies only; the old one
    with it in its title is still the first result."""
    from cms.services import search as search_service

    monkeypatch.setattr(search_service, "WINDOW", 5)
    owner = make_user("writer", role=Role.EDITOR)
    first = make_article("催收的由来", "很早的文章。", owner=owner,
                         ago=timedelta(days=400))  # fmt: skip
    for i in range(8):
        make_article(f"还款第{i}篇", "正文说到催收。", owner=owner,
                     ago=timedelta(hours=10 - i))  # fmt: skip
    results = search("催收")
    assert results.hits[0].public_id == first.public_id
    assert str(results.hits[0].title) == "<mark>催收</mark>的由来"
    assert results.more and results.total == 5


def test_the_page_says_when_more_matched_than_are_ranked(app, client, monkeypatch):
    from cms.services import search as search_service

    monkeypatch.setattr(search_service, "WINDOW", 2)
    with app.app_context():
        owner = make_user("writer", role=Role.EDITOR)
        for i in range(3):
            make_article(f"催收第{i}篇", "正文", owner=owner)
    html = client.get("/search", query_string={"q": "催收"}).get_data(as_text=True)
    assert "超过 2 篇" in html and "标题里有它的在前，共 2 篇" in html


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_break_search(ctx, query):
    _site()
    results = search(query)
    assert results.total >= 0
    assert len(results.terms) <= 8


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_break_the_page(app, client, query):
    with app.app_context():
        _site()
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script" not in response.get_data(as_text=True).split("<main", 1)[1]


def test_the_page_shows_highlighted_results_and_escapes_the_query(app, client):
    with app.app_context():
        _site()
    html = client.get("/search?q=催收").get_data(as_text=True)
    assert "找到 3 篇" in html
    assert "<mark>催收</mark>" in html
    html = client.get("/search?q=<b>催收</b>").get_data(as_text=True)
    assert "<b>催收</b>" not in html
    assert "&lt;b&gt;催收&lt;/b&gt;" in html


@pytest.fixture
def strict(app_config):
    app_config["SEARCH_LIMIT"] = "3 per minute"


def test_search_is_rate_limited_per_address(strict, client):
    codes = [client.get("/search?q=催收").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = client.get("/search?q=催收", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 200


def test_articles_published_before_the_index_are_indexed_by_the_tick(ctx):
    from cms.services.jobs import run_due_jobs

    _, a, *_ = _site()
    db.session.execute(db.delete(SearchDocument))
    db.session.commit()
    assert search("微粒贷").total == 0
    assert "search-index" in run_due_jobs()
    assert [h.public_id for h in search("微粒贷").hits] == [a.public_id]


def test_reindex_command_indexes_everything_again(app, runner):
    with app.app_context():
        _site()
    result = runner.invoke(args=["cms", "reindex"])
    assert result.exit_code == 0, result.output
    assert "related: 4 article(s) indexed" in result.output
    assert "search: 4 article(s) indexed" in result.output


def test_snippets_leave_out_heading_anchors(ctx):
    make_article("标题", "## 第一节\n\n这里讲催收的办法。")
    snippet = str(search("催收").hits[0].snippet)
    assert "#" not in snippet
    assert "第一节 这里讲<mark>催收</mark>的办法。" in snippet
