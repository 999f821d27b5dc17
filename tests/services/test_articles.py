"""cms.services.articles: writing articles and the lists readers see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, Category, Tag, utcnow
from cms.services.article_writing import ArticleDraft, create_article
from cms.services.articles import (
    by_owner,
    in_category,
    neighbours,
    sitemap_entries,
    visible_articles,
    with_tag,
)
from cms.services.errors import InvalidInput, NotFound
from cms.services.published import published_article
from cms.services.taxonomy import category_named
from tests.factories import make_article, make_user

BODY = "第一段正文。\n\n## 小标题\n\n第二段，[外链](https://example.com/)。"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def around(article) -> tuple[int | None, int | None]:
    """The ids of (the next older, the next newer) article, None at an end."""
    return tuple(None if n is None else n.id for n in neighbours(article))


def titles(query) -> list[str]:
    return [a.title for a in db.session.scalars(query)]


@pytest.fixture
def owner(ctx):
    return make_user("owner", password=None)


def draft(owner, **overrides) -> ArticleDraft:
    values = {"title": "标题", "body_markdown": BODY, "owner": owner}
    return ArticleDraft(**(values | overrides))


# -- create_article ------------------------------------------------------------


def test_the_body_is_rendered_and_summarised(owner):
    article = create_article(draft(owner))
    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    assert stored.body_markdown == BODY
    assert '<h2 id="h-小标题">' in stored.body_html
    assert 'rel="nofollow noopener" href="https://example.com/"' in stored.body_html
    assert stored.summary == "第一段正文。 第二段，外链。"
    assert stored.excerpt == ""


def test_links_to_the_site_itself_stay_followed(owner):
    article = create_article(
        draft(owner, body_markdown="[站内](http://cms.test/a.html)")
    )
    assert "nofollow" not in article.body_html


def test_a_written_excerpt_wins_over_the_derived_one(owner):
    article = create_article(draft(owner, excerpt="  我写的摘要。  "))
    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    assert stored.excerpt == "我写的摘要。"
    assert stored.summary == "我写的摘要。"


def test_the_body_is_sanitised_before_it_is_stored(owner):
    article = create_article(
        draft(owner, body_markdown="<script>alert(1)</script>正文")
    )
    assert "<script" not in article.body_html
    assert "alert" not in article.summary


def test_publishing_without_a_time_publishes_now(owner):
    before = utcnow()
    article = create_article(draft(owner, status=ArticleStatus.PUBLISHED))
    after = utcnow()
    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    assert stored.status == ArticleStatus.PUBLISHED
    assert before <= stored.published_at <= after
    assert published_article(article.public_id).id == article.id


def test_a_draft_gets_no_publication_time(owner):
    article = create_article(draft(owner))
    assert article.status == ArticleStatus.DRAFT
    assert db.session.get(Article, article.id).published_at is None


def test_a_given_time_is_kept_and_read_back_in_utc(owner):
    shanghai = datetime.fromisoformat("2024-12-11T10:12:00+08:00")
    article = create_article(
        draft(owner, status=ArticleStatus.PUBLISHED, published_at=shanghai)
    )
    db.session.expire_all()
    stored = db.session.get(Article, article.id).published_at
    assert stored == datetime(2024, 12, 11, 2, 12, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_a_new_article_gets_a_random_public_id(owner):
    ids = {create_article(draft(owner, title=f"t{i}")).public_id for i in range(5)}
    assert len(ids) == 5
    assert all(len(i) == 16 and i.isalnum() and i.isascii() for i in ids)


def test_category_and_tags_are_created_once(owner):
    first = create_article(draft(owner, category="理财", tags=("支付宝", " 征信 ", "")))
    second = create_article(
        draft(owner, title="二", category="理财", tags=("征信", "征信"))
    )
    assert first.category.id == second.category.id
    assert sorted(t.name for t in first.tags) == sorted(["征信", "支付宝"])
    assert [t.name for t in second.tags] == ["征信"]
    assert count(Category) == 1
    assert count(Tag) == 2


@pytest.mark.parametrize("title", ["", "   ", "长" * 201])
def test_a_bad_title_stores_nothing(owner, title):
    with pytest.raises(InvalidInput, match="标题"):
        create_article(draft(owner, title=title, category="新分类", tags=("新标签",)))
    assert count(Article) == 0
    assert count(Category) == 0
    assert count(Tag) == 0


def test_a_title_of_200_characters_is_accepted_and_trimmed(owner):
    article = create_article(draft(owner, title=" " + "长" * 200 + " "))
    assert db.session.get(Article, article.id).title == "长" * 200


def test_a_failure_half_way_stores_nothing(owner):
    # The over-long tag is only found inside the transaction, after the
    # article and its category were added: all of it must go.
    with pytest.raises(InvalidInput, match="标签"):
        create_article(draft(owner, category="新分类", tags=("好标签", "长" * 101)))
    db.session.rollback()
    assert count(Article) == 0
    assert count(Category) == 0
    assert count(Tag) == 0


# -- what readers see ----------------------------------------------------------


def test_visible_articles_are_published_and_due_newest_first(owner):
    make_article("旧", owner=owner, ago=timedelta(days=2))
    make_article("新", owner=owner, ago=timedelta(hours=1))
    make_article("草稿", owner=owner, status=ArticleStatus.DRAFT)
    make_article("待审", owner=owner, status=ArticleStatus.PENDING)
    make_article(
        "回收站", owner=owner, status=ArticleStatus.TRASH, published_at=utcnow()
    )
    make_article("未来", owner=owner, published_at=utcnow() + timedelta(days=1))
    # A draft that carries a past time is still a draft.
    make_article(
        "带时间的草稿",
        owner=owner,
        status=ArticleStatus.DRAFT,
        published_at=utcnow() - timedelta(days=1),
    )
    assert titles(visible_articles()) == ["新", "旧"]


def test_a_scheduled_article_appears_once_its_time_has_passed(owner):
    when = utcnow() + timedelta(minutes=5)
    article = make_article("定时", owner=owner, published_at=when)
    assert titles(visible_articles()) == []
    assert titles(visible_articles(now=when - timedelta(microseconds=1))) == []
    assert titles(visible_articles(now=when)) == ["定时"]
    assert titles(visible_articles(now=when + timedelta(minutes=1))) == ["定时"]
    with pytest.raises(NotFound):
        published_article(article.public_id)


# -- neighbours ----------------------------------------------------------------


def test_neighbours_are_the_next_older_and_newer_visible_articles(owner):
    oldest = make_article("最旧", owner=owner, ago=timedelta(days=3))
    make_article("草稿", owner=owner, status=ArticleStatus.DRAFT)
    middle = make_article("中间", owner=owner, ago=timedelta(days=2))
    make_article("未来", owner=owner, published_at=utcnow() + timedelta(days=1))
    newest = make_article("最新", owner=owner, ago=timedelta(days=1))
    assert around(middle) == (oldest.id, newest.id)
    assert around(oldest) == (None, middle.id)
    assert around(newest) == (middle.id, None)


def test_neighbours_order_ties_on_published_at_by_id(owner):
    same = utcnow() - timedelta(hours=1)
    before = make_article("之前", owner=owner, published_at=same - timedelta(seconds=1))
    a = make_article("甲", owner=owner, published_at=same)
    b = make_article("乙", owner=owner, published_at=same)
    c = make_article("丙", owner=owner, published_at=same)
    after = make_article("之后", owner=owner, published_at=same + timedelta(seconds=1))
    assert around(a) == (before.id, b.id)
    assert around(b) == (a.id, c.id)
    assert around(c) == (b.id, after.id)
    # Walking the chain visits every article once, in the lists' order.
    chain, current = [], after
    while current is not None:
        chain.append(current.title)
        older = neighbours(current)[0]
        current = None if older is None else db.session.get(Article, older.id)
    assert chain == titles(visible_articles())
    assert chain == ["之后", "丙", "乙", "甲", "之前"]


def test_a_single_article_has_no_neighbours(owner):
    assert around(make_article(owner=owner)) == (None, None)


# -- lists ---------------------------------------------------------------------


def test_in_category_includes_every_subcategory(owner):
    with write_transaction():
        parent = category_named("理财")
        child = category_named("信用卡", parent=parent)
        category_named("白金卡", parent=child)
        category_named("旅行")
    make_article("父", owner=owner, category="理财", ago=timedelta(hours=3))
    make_article("子", owner=owner, category="信用卡", ago=timedelta(hours=2))
    make_article("孙", owner=owner, category="白金卡", ago=timedelta(hours=1))
    make_article("别的", owner=owner, category="旅行")
    make_article("子的草稿", owner=owner, category="信用卡", status=ArticleStatus.DRAFT)
    assert titles(in_category(parent)) == ["孙", "子", "父"]
    assert titles(in_category(child)) == ["孙", "子"]


def test_in_category_survives_a_cycle_in_the_tree(owner):
    with write_transaction():
        a = category_named("甲")
        b = category_named("乙", parent=a)
    with write_transaction():
        a.parent = b  # a broken tree must not hang the category page
    make_article("甲文", owner=owner, category="甲", ago=timedelta(hours=2))
    make_article("乙文", owner=owner, category="乙", ago=timedelta(hours=1))
    assert titles(in_category(a)) == ["乙文", "甲文"]
    assert titles(in_category(b)) == ["乙文", "甲文"]


def test_with_tag_lists_visible_articles_with_that_tag(owner):
    make_article("有", owner=owner, tags=("支付宝", "征信"), ago=timedelta(hours=2))
    make_article("也有", owner=owner, tags=("支付宝",), ago=timedelta(hours=1))
    make_article("没有", owner=owner, tags=("征信",))
    make_article("草稿", owner=owner, tags=("支付宝",), status=ArticleStatus.DRAFT)
    tag = db.session.scalar(select(Tag).where(Tag.name == "支付宝"))
    assert titles(with_tag(tag)) == ["也有", "有"]


def test_by_owner_lists_one_accounts_visible_articles(owner):
    other = make_user("other", password=None)
    make_article("我的", owner=owner)
    make_article("别人的", owner=other)
    make_article("我的草稿", owner=owner, status=ArticleStatus.DRAFT)
    assert titles(by_owner(owner)) == ["我的"]
    assert titles(by_owner(other)) == ["别人的"]


def test_sitemap_entries_are_the_newest_visible_ids_and_update_times(owner):
    old = make_article("旧", owner=owner, ago=timedelta(days=2))
    new = make_article("新", owner=owner, ago=timedelta(days=1))
    make_article("草稿", owner=owner, status=ArticleStatus.DRAFT)
    make_article("未来", owner=owner, published_at=utcnow() + timedelta(days=1))
    entries = sitemap_entries(10)
    assert [public_id for public_id, _ in entries] == [new.public_id, old.public_id]
    assert all(
        isinstance(updated, datetime) and updated.tzinfo for _, updated in entries
    )
    assert entries[0][1] == db.session.get(Article, new.id).updated_at
    assert sitemap_entries(1) == entries[:1]
