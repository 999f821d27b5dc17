"""cms.services.cards: the readers' lists read articles as plain cards, each
holding what the ORM's row holds, in the list's order, one statement a page."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest
from sqlalchemy import event

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, Tag
from cms.services import articles as article_service
from cms.services.cards import Card, card_select, read_cards
from cms.services.listing import page_of
from tests.factories import make_article, make_cover, make_user

JOINED = ("owner", "category", "cover")


@pytest.fixture
def owner(ctx):
    return make_user("owner", password=None, display_name="站长")


def _with_cover(article: Article) -> Article:
    cover = make_cover(1200, 800)
    with write_transaction():
        article.cover_media_id = cover.id
        article.password_hash = "$argon2id$not-a-real-hash"
        article.sticky = True
    db.session.expire_all()
    return db.session.get(Article, article.id)


def test_a_card_holds_what_the_orm_row_holds(owner):
    full = _with_cover(make_article("有封面", owner=owner, category="数码",
                                    view_count=7, ago=timedelta(hours=2)))  # fmt: skip
    plain = make_article("朴素", owner=owner, ago=timedelta(hours=1))
    cards = read_cards(card_select(article_service.visible_articles()))
    assert [card.public_id for card in cards] == [plain.public_id, full.public_id]
    bare, covered = cards
    for field in fields(Card):
        if field.name not in JOINED:
            assert getattr(covered, field.name) == getattr(full, field.name), field.name
    assert covered.owner.username == "owner" and covered.owner.display_name == "站长"
    assert (covered.category.name, covered.category.slug) == (
        full.category.name, full.category.slug,
    )  # fmt: skip
    assert covered.cover.key == full.cover.key and covered.cover.size_list == [480, 960]
    assert bare.category is None and bare.cover is None and bare.password_hash is None


def test_a_tag_s_list_keeps_its_join_and_order(owner):
    older = make_article("旧", owner=owner, tags=("手机",), ago=timedelta(days=2))
    make_article("无标签", owner=owner, ago=timedelta(days=1))
    newer = make_article("新", owner=owner, tags=("手机",), ago=timedelta(hours=1))
    tag = db.session.scalar(db.select(Tag).where(Tag.name == "手机"))
    for many in (False, True):
        cards = read_cards(card_select(article_service.with_tag(tag, many=many)))
        assert [card.id for card in cards] == [newer.id, older.id]


def test_a_list_page_is_one_statement_of_cards(owner, app):
    made = [make_article(f"第{n}篇", owner=owner, ago=timedelta(minutes=n))
            for n in range(5)]  # fmt: skip
    statements: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    query = article_service.home_articles()
    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        page = page_of(query, ("test-home",), page=2, before=None, per_page=3)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert [card.public_title for card in page.items] == ["第3篇", "第4篇"]
    assert all(isinstance(card, Card) for card in page.items)
    reads = [s for s in statements if "FROM articles" in s and "count(" not in s]
    assert len(reads) == 1 and "users.password_hash" not in reads[0]
    assert "body_html" not in reads[0] and "users.email" not in reads[0]
    # Past the numbered pages, by keyset: cards too, in order.
    after = page_of(query, ("test-home",), page=1, before=made[1].public_id, per_page=2)
    assert [card.public_title for card in after.items] == ["第2篇", "第3篇"]
    assert after.older_cursor == made[3].public_id
